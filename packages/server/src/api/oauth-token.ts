import type {
	FastifyError,
	FastifyInstance,
	FastifyReply,
	FastifyRequest,
} from "fastify";
import type { App } from "../core/app/index.js";
import {
	type BasicCredentials,
	TokenError,
} from "../core/client-credentials/index.js";
import type { ApiDocs } from "./api-docs.js";
import { countAuthAttempt } from "./http/auth-rate-limit.js";
import { createErrorHandler } from "./http/error-handler.js";
import { describeTokenRoute } from "./oauth-docs.js";

const FORM = "application/x-www-form-urlencoded";
/** A token request is a few short parameters; nothing near this is legitimate. */
const FORM_LIMIT = 16 * 1024;

/**
 * Binds POST /api/v1/oauth/token, the client_credentials grant (RFC 6749 section 4.4).
 * Its answers follow the RFC, not Basalt's conventions: form-encoded requests,
 * `{ error, error_description }` refusals (section 5.2) instead of problem+json, and
 * `Cache-Control: no-store` on everything (section 5.1).
 */
export async function bindOAuthTokenRoute(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): Promise<void> {
	const fallback = createErrorHandler();
	await server.register((scope, _options, registered) => {
		// Only here: elsewhere a form body stays a 415. URLSearchParams is the WHATWG
		// form decoder, so no body parser package is needed.
		scope.addContentTypeParser(
			FORM,
			{ parseAs: "string", bodyLimit: FORM_LIMIT },
			(_request, body, done) => done(null, new URLSearchParams(body as string)),
		);
		scope.setErrorHandler(function handleTokenError(
			error: FastifyError,
			request: FastifyRequest,
			reply: FastifyReply,
		) {
			const status = error.statusCode ?? 500;
			if (error instanceof TokenError) return sendOAuthError(reply, error);
			// Malformed, oversized or non-form bodies are the client's mistake.
			if (status >= 400 && status < 500)
				return sendOAuthError(
					reply,
					new TokenError("invalid_request", "The request body cannot be read."),
				);
			return fallback(error, request, reply);
		});
		scope.post(
			"/api/v1/oauth/token",
			{ config: { ownAuthentication: true } },
			async (request, reply) => {
				reply.header("cache-control", "no-store").header("pragma", "no-cache");
				// Client authentication is a sign-in: counted per IP like the others.
				await countAuthAttempt(app, request, reply, "login");
				return app.clientCredentials.exchange({
					form:
						request.body instanceof URLSearchParams ? request.body : undefined,
					basic: basicCredentialsOf(request.headers.authorization),
				});
			},
		);
		registered();
	});
	describeTokenRoute(docs);
}

function sendOAuthError(reply: FastifyReply, error: TokenError): FastifyReply {
	if (error.status === 401)
		reply.header("www-authenticate", 'Basic realm="basalt", charset="UTF-8"');
	return reply
		.code(error.status)
		.header("cache-control", "no-store")
		.header("pragma", "no-cache")
		.type("application/json; charset=utf-8")
		.send({ error: error.error, error_description: error.message });
}

/**
 * Reads client_secret_basic: `Basic base64(id ":" secret)` where id and secret are each
 * form-urlencoded first (RFC 6749 section 2.3.1). Other schemes are not client
 * authentication; a Basic header that does not decode is "malformed".
 */
function basicCredentialsOf(
	header: string | undefined,
): BasicCredentials | "malformed" | undefined {
	if (header === undefined || !/^basic(\s|$)/i.test(header)) return undefined;
	const match = /^basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
	if (!match) return "malformed";
	const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	if (colon < 0) return "malformed";
	try {
		return {
			clientId: formDecode(decoded.slice(0, colon)),
			clientSecret: formDecode(decoded.slice(colon + 1)),
		};
	} catch {
		return "malformed";
	}
}

function formDecode(text: string): string {
	return decodeURIComponent(text.replaceAll("+", " "));
}
