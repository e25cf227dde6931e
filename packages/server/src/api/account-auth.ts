import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { SuperuserCaller } from "../core/auth/index.js";
import type { ApiDocs } from "./api-docs.js";
import { countAuthAttempt } from "./http/auth-rate-limit.js";
import { requireSuperuserSession } from "./http/authenticate.js";
import { passwordSignIn, passwordSignInBody } from "./password-sign-in.js";
import { collectionPathParameter } from "./records-docs.js";

const refreshBody = {
	type: "object",
	additionalProperties: false,
	required: ["refreshToken"],
	properties: {
		refreshToken: { type: "string", minLength: 1, maxLength: 512 },
	},
} as const;

const impersonateBody = {
	type: ["object", "null"],
	additionalProperties: false,
	properties: {
		duration: {
			type: "integer",
			minimum: 10,
			maximum: 3600,
			description: "Seconds the token lives (default 900, at most 3600).",
		},
	},
} as const;

const sessionSchema = {
	type: "object",
	properties: {
		token: {
			type: "string",
			description: "JWT access token (EdDSA), 15 minutes by default.",
		},
		refreshToken: {
			type: "string",
			description: "Opaque, single use: trade it at /api/v1/auth/refresh.",
		},
		expiresIn: {
			type: "integer",
			description: "Seconds until the access token expires.",
		},
		record: { type: "object" },
	},
} as const;

/**
 * Binds sign-in for auth collections (SPEC section 6): password login, refresh-token
 * rotation and logout.
 */
export function bindAccountAuthRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.post(
		"/api/v1/collections/:collection/auth/password",
		{ schema: { body: passwordSignInBody } },
		async (request, reply) => {
			const { collection } = request.params as { collection: string };
			return passwordSignIn(
				app,
				request,
				reply,
				{ kind: "record", collection },
				(identity, password) =>
					app.accounts.login(collection, identity, password),
			);
		},
	);
	server.post(
		"/api/v1/auth/refresh",
		{ schema: { body: refreshBody } },
		async (request, reply) => {
			await countAuthAttempt(app, request, reply, "refresh");
			return app.accounts.refresh(
				(request.body as { refreshToken: string }).refreshToken,
			);
		},
	);
	server.post(
		"/api/v1/auth/logout",
		{ schema: { body: refreshBody } },
		async (request, reply) => {
			await app.accounts.logout(
				(request.body as { refreshToken: string }).refreshToken,
			);
			return reply.code(204).send();
		},
	);
	server.post(
		"/api/v1/collections/:collection/impersonate/:id",
		{ schema: { body: impersonateBody } },
		async (request) => {
			// Acting as a user is for a person at the console, never for an API key.
			requireSuperuserSession(request);
			const superuser = request.caller as SuperuserCaller;
			const { collection, id } = request.params as {
				collection: string;
				id: string;
			};
			const { duration = 900 } = (request.body ?? {}) as {
				duration?: number;
			};
			const session = await app.accounts.impersonate(
				superuser.id,
				collection,
				id,
				duration * 1000,
			);
			await app.audit.record({
				action: "auth.impersonate",
				actor: superuser,
				collection,
				recordId: id,
				ip: request.ip,
				details: { seconds: duration },
			});
			return session;
		},
	);
	docs.add({
		method: "post",
		path: "/api/v1/collections/{collection}/impersonate/{id}",
		summary:
			"Get a short-lived access token for an account, to act as it (superusers; audited, no refresh token)",
		tag: "auth",
		auth: true,
		parameters: [
			collectionPathParameter,
			{ name: "id", in: "path", required: true, schema: { type: "string" } },
		],
		requestBody: impersonateBody,
		responses: {
			"200": {
				description: "An access token for the account",
				schema: sessionSchema,
			},
			"403": { description: "Not a superuser" },
			"404": { description: "No such account" },
		},
	});
	server.post("/api/v1/auth/logout-all", async (request, reply) => {
		await app.accounts.logoutEverywhere(request.caller);
		return reply.code(204).send();
	});
	docs.add({
		method: "post",
		path: "/api/v1/auth/logout-all",
		summary:
			"Sign the caller's account out everywhere: every access and refresh token it has stops working",
		tag: "auth",
		auth: true,
		responses: {
			"204": { description: "Every session ended" },
			"401": { description: "Not signed in to an auth collection" },
		},
	});
	const base = { tag: "auth", auth: false } as const;
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/collections/{collection}/auth/password",
		summary: "Sign in to an auth collection with email and password",
		parameters: [collectionPathParameter],
		requestBody: passwordSignInBody,
		responses: {
			"200": { description: "Signed in", schema: sessionSchema },
			"400": { description: "Wrong identity or password" },
			"429": { description: "Too many attempts for this account or address" },
		},
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/auth/refresh",
		summary:
			"Trade a refresh token for a new access token and refresh token (the old one is spent)",
		requestBody: refreshBody,
		responses: {
			"200": { description: "A new pair", schema: sessionSchema },
			"401": { description: "Spent, revoked or unknown" },
		},
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/auth/logout",
		summary: "End the sign-in a refresh token belongs to",
		requestBody: refreshBody,
		responses: { "204": { description: "Signed out" } },
	});
}
