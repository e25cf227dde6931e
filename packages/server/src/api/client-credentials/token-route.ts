import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { TokenError } from "../../core/client-credentials/index.js";
import { countAuthAttempt } from "../http/auth-rate-limit.js";
import { createErrorHandler } from "../http/error-handler.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	json,
	problems,
	type ResponseDoc,
	type Schema,
	type Security,
} from "../openapi/route-schema.js";
import { basicCredentialsOf } from "./basic-credentials.js";

const FORM = "application/x-www-form-urlencoded";
/** A token request is a few short parameters; nothing near this is legitimate. */
const FORM_LIMIT = 16 * 1024;

/**
 * The client authenticates with HTTP Basic (client_secret_basic) or with
 * `client_id` and `client_secret` in the form (client_secret_post), which OpenAPI
 * cannot name as a scheme: hence the empty alternative.
 */
const BASIC_OR_FORM = [{ basic: [] }, {}] as const satisfies Security;

/**
 * The form of a token request (RFC 6749 sections 4.4.2 and 2.3.1). Typed loosely on
 * purpose: the handler gets the form as URLSearchParams, which the grant reads itself.
 */
const tokenForm: Schema = {
	type: "object",
	required: ["grant_type"],
	properties: {
		grant_type: { type: "string", enum: ["client_credentials"] },
		scope: {
			type: "string",
			description:
				"Space-separated scopes, each covered by the client's; left out: all of them",
		},
		client_id: { type: "string", description: "client_secret_post only" },
		client_secret: { type: "string", description: "client_secret_post only" },
	},
};

const noStore = {
	"Cache-Control": { description: "no-store", schema: { type: "string" } },
	Pragma: { description: "no-cache", schema: { type: "string" } },
};

/** An RFC 6749 section 5.2 refusal with one of `codes`: `{ error, error_description }`. */
function oauthError(
	description: string,
	codes: readonly string[],
): ResponseDoc {
	return {
		...json(description, {
			type: "object",
			additionalProperties: false,
			required: ["error", "error_description"],
			properties: {
				error: { type: "string", enum: codes },
				error_description: {
					type: "string",
					description: "Fixed text for people, never a value from the request",
				},
			},
		}),
		headers: noStore,
	};
}

const tokenResponses = {
	200: {
		...json("A token", {
			type: "object",
			required: ["access_token", "token_type", "expires_in", "scope"],
			properties: {
				access_token: { type: "string", description: "An EdDSA JWT" },
				token_type: { type: "string", enum: ["Bearer"] },
				expires_in: { type: "integer", description: "Seconds" },
				scope: { type: "string", description: "The scopes granted" },
			},
		}),
		headers: noStore,
	},
	400: oauthError(
		"Refused: a malformed request (a body that is not a readable form of at most 16 KiB, a repeated parameter, no grant_type, credentials both in the header and the form), another grant type, a deactivated client or a scope the client does not hold",
		[
			"invalid_request",
			"unsupported_grant_type",
			"unauthorized_client",
			"invalid_scope",
		],
	),
	401: {
		...oauthError(
			"No client credentials, or wrong ones (which part was wrong is not told)",
			["invalid_client"],
		),
		headers: {
			...noStore,
			"WWW-Authenticate": {
				description: 'Basic realm="basalt", charset="UTF-8"',
				schema: { type: "string" },
			},
		},
	},
	...problems(429),
} as const;

/**
 * Binds POST /oauth/token, the client_credentials grant (RFC 6749 section 4.4,
 * docs/auth.md#oauth2-client-credentials). Its answers follow the RFC, not Basalt's
 * conventions: form-encoded requests, `{ error, error_description }` refusals
 * (section 5.2) instead of problem+json, and `Cache-Control: no-store` on everything
 * (section 5.1). Only the rate limit's 429 is a problem document.
 */
export const bindOAuthTokenRoute: RoutePlugin = async (server, { app }) => {
	// Only here: elsewhere a form body stays a 415. URLSearchParams is the WHATWG form
	// decoder, so no body parser package is needed, and a repeated parameter stays
	// visible to the grant.
	server.addContentTypeParser(
		FORM,
		{ parseAs: "string", bodyLimit: FORM_LIMIT },
		(_request, body, done) => done(null, new URLSearchParams(body as string)),
	);
	// The grant checks the form in the order RFC 6749 implies (client authentication
	// before grant_type) and answers in its shape; the body schema only documents it.
	server.setValidatorCompiler(
		() =>
			function acceptForm() {
				return true;
			},
	);
	server.setErrorHandler(createTokenErrorHandler());
	server.post(
		"/oauth/token",
		{
			config: { ownAuthentication: true, carriesSecret: true },
			schema: {
				summary:
					"OAuth2 client_credentials grant (RFC 6749 section 4.4): client_secret_basic or client_secret_post",
				description:
					"Authenticate the client with `Authorization: Basic` (id and secret each form-urlencoded, then base64) or with `client_id` and `client_secret` in the form, not both. Every answer has `Cache-Control: no-store`; refusals are RFC 6749 section 5.2 JSON, not problem+json.",
				tags: ["auth"],
				security: BASIC_OR_FORM,
				body: tokenForm,
				consumes: [FORM],
				response: tokenResponses,
			},
		},
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
};

/**
 * Answers TokenErrors, and requests whose body cannot be read (malformed, oversized,
 * not a form: the client's mistake), as RFC 6749 section 5.2 says; anything else
 * (the rate limit's 429, a failure of ours) as every other route does.
 */
function createTokenErrorHandler() {
	const fallback = createErrorHandler();
	return function handleTokenError(
		error: FastifyError,
		request: FastifyRequest,
		reply: FastifyReply,
	) {
		const status = error.statusCode ?? 500;
		if (error instanceof TokenError) return sendOAuthError(reply, error);
		if (status >= 400 && status < 500)
			return sendOAuthError(
				reply,
				new TokenError("invalid_request", "The request body cannot be read."),
			);
		return fallback(error, request, reply);
	};
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
