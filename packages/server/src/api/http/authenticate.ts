import type { FastifyReply, FastifyRequest } from "fastify";
import { looksLikeApiKey } from "../../core/api-keys/index.js";
import type { App } from "../../core/app/index.js";
import { type AdminScope, requireScope } from "../../core/auth/index.js";
import { AppError } from "../../core/errors/index.js";
import {
	type Caller,
	CLIENTS_COLLECTION,
	grantOf,
	guest,
} from "../../core/model/index.js";

/**
 * Creates the first hook of every request: it names the request (`X-Request-Id`, so
 * even a failed authentication answers with it) and sets `request.caller` from
 * `Authorization: Bearer <token>`. No header is a guest; a header that does not verify
 * is a 401, never a silent guest, so a client with an expired token learns to refresh.
 * Routes with `config.ownAuthentication` (the OAuth2 token endpoint, which reads
 * client credentials from `Authorization: Basic`) are left to authenticate themselves.
 */
export function createAuthenticateHook(app: App) {
	// Callback style: most requests carry no token, and for them this hook should
	// cost a property read, not a promise.
	return function authenticate(
		request: FastifyRequest,
		reply: FastifyReply,
		done: (err?: Error) => void,
	): void {
		request.caller = guest;
		reply.header("x-request-id", request.id);
		const header = request.headers.authorization;
		if (
			header === undefined ||
			header === "" ||
			request.routeOptions.config?.ownAuthentication === true
		) {
			done();
			return;
		}
		callerOf(app, header).then(
			(caller) => {
				request.caller = caller;
				done();
			},
			(err: unknown) =>
				done(err instanceof Error ? err : new Error(String(err))),
		);
	};
}

async function callerOf(app: App, header: string): Promise<Caller> {
	const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
	if (!match)
		throw new AppError("INVALID_TOKEN", {
			detail: "Send credentials as Authorization: Bearer <token>.",
		});
	const token = match[1] as string;
	if (looksLikeApiKey(token)) return app.apiKeys.authenticate(token);
	const claims = await app.tokens.verify(token);
	if (claims.col === "_superusers")
		return app.superusers.callerFor(claims.sub, claims.tkh);
	if (claims.col === CLIENTS_COLLECTION) return app.clients.callerFor(claims);
	const caller = await app.accounts.callerFor(
		claims.col,
		claims.sub,
		claims.tkh,
	);
	return claims.imp === undefined
		? caller
		: { ...caller, impersonatedBy: claims.imp };
}

/**
 * Refuses callers that are not superusers: 401 for guests, 403 for others. A
 * superuser's API key also needs `scope` (403 INSUFFICIENT_SCOPE); routes that name
 * none need `admin`, so a route added without thought is closed to keys, not open.
 */
export function requireSuperuser(
	request: FastifyRequest,
	scope: AdminScope = "admin",
): void {
	const { caller } = request;
	if (caller.kind === "superuser") {
		requireScope(caller, scope);
		return;
	}
	if (caller.kind === "guest") throw new AppError("AUTH_REQUIRED");
	throw new AppError("SUPERUSER_REQUIRED");
}

/**
 * Creates the `preValidation` hook of a superusers-only route (requireSuperuser with
 * `scope`): it runs before the route's schemas read the query string and body, so a
 * caller who may not use the route gets 401 or 403, never a 400 about its input.
 */
export function superusersOnly(scope: AdminScope = "admin") {
	return async function requireSuperuserHook(
		request: FastifyRequest,
	): Promise<void> {
		requireSuperuser(request, scope);
	};
}

/**
 * Refuses all but superusers who signed in (sessions): API keys and client tokens
 * never manage machine credentials (403 SESSION_REQUIRED), whatever their scopes.
 */
export function requireSuperuserSession(request: FastifyRequest): void {
	const { caller } = request;
	if (caller.kind === "superuser" && grantOf(caller) === undefined) return;
	if (caller.kind === "superuser") throw new AppError("SESSION_REQUIRED");
	requireSuperuser(request);
}

/** The `preValidation` hook of a route for signed-in superusers only (requireSuperuserSession). */
export async function superuserSessionsOnly(
	request: FastifyRequest,
): Promise<void> {
	requireSuperuserSession(request);
}
