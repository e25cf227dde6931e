import { countAuthAttempt } from "../http/auth-rate-limit.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	BEARER,
	empty,
	json,
	PUBLIC,
	problems,
} from "../openapi/route-schema.js";
import { collectionParams, sessionSchema } from "./account-schemas.js";
import { passwordSignIn, passwordSignInBody } from "./password-sign-in.js";

/** The body of a refresh and a logout: the refresh token, never a bearer header. */
const refreshBody = {
	type: "object",
	additionalProperties: false,
	required: ["refreshToken"],
	properties: {
		refreshToken: { type: "string", minLength: 1, maxLength: 512 },
	},
} as const;

const base = { tags: ["auth"] } as const;

/**
 * Binds the sessions of auth collections' accounts (docs/auth.md#signing-up-and-signing-in):
 * password sign-in, refresh-token rotation (docs/auth.md#refresh-tokens), logout and
 * logout everywhere.
 */
export const bindSessionRoutes: RoutePlugin = async (server, { app }) => {
	server.post(
		"/collections/:collection/auth/password",
		{
			config: { carriesSecret: true },
			schema: {
				...base,
				security: PUBLIC,
				summary: "Sign in to an auth collection with email and password",
				description:
					"A wrong password and an unknown email give the same 400 `INVALID_CREDENTIALS`, in the same time. Limited per identity and per IP (docs/auth.md#brute-force-limits).",
				params: collectionParams,
				body: passwordSignInBody,
				response: {
					200: json("Signed in", sessionSchema),
					...problems(400, 404, 413, 415, 429),
				},
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			return passwordSignIn(app, request, reply, {
				kind: "record",
				collection,
				...request.body,
				login: (identity, password) =>
					app.accounts.login(collection, identity, password),
			});
		},
	);
	server.post(
		"/auth/refresh",
		{
			config: { carriesSecret: true },
			schema: {
				...base,
				security: PUBLIC,
				summary:
					"Trade a refresh token for a new access token and refresh token (the old one is spent)",
				description:
					"A refresh token spent before revokes its whole family: 401 `INVALID_TOKEN`, and every session of that sign-in ends. Limited per IP.",
				body: refreshBody,
				response: {
					200: json("A new pair", sessionSchema),
					...problems(400, 401, 413, 415, 429),
				},
			},
		},
		async (request, reply) => {
			await countAuthAttempt(app, request, reply, "refresh");
			return app.accounts.refresh(request.body.refreshToken);
		},
	);
	server.post(
		"/auth/logout",
		{
			schema: {
				...base,
				security: PUBLIC,
				summary: "End the sign-in a refresh token belongs to",
				description:
					"Revokes every refresh token of the sign-in; an unknown token is a 204 too.",
				body: refreshBody,
				response: {
					204: empty("Signed out"),
					...problems(400, 413, 415),
				},
			},
		},
		async (request, reply) => {
			await app.accounts.logout(request.body.refreshToken);
			return reply.code(204).send();
		},
	);
	server.post(
		"/auth/logout-all",
		{
			schema: {
				...base,
				security: BEARER,
				summary:
					"Sign the caller's account out everywhere: every access and refresh token it has stops working",
				description:
					"Needs the account's own access token: other callers get 401, its API keys 403 `SESSION_REQUIRED`.",
				response: {
					204: empty("Every session ended"),
					...problems(401, 403),
				},
			},
		},
		async (request, reply) => {
			await app.accounts.logoutEverywhere(request.caller);
			return reply.code(204).send();
		},
	);
};
