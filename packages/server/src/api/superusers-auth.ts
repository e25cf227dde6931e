import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";
import { passwordSignIn, passwordSignInBody } from "./password-sign-in.js";

const loginResponse = {
	type: "object",
	properties: {
		token: { type: "string", description: "JWT access token (EdDSA)." },
		expiresIn: {
			type: "integer",
			description: "Seconds until the token expires.",
		},
		record: {
			type: "object",
			properties: {
				id: { type: "string" },
				email: { type: "string" },
				created: { type: "string" },
				updated: { type: "string" },
			},
		},
	},
} as const;

/** Binds POST /api/v1/superusers/auth/password and the JWKS endpoint. */
export function bindSuperuserAuthRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.post(
		"/api/v1/superusers/auth/password",
		{ schema: { body: passwordSignInBody } },
		async (request, reply) =>
			passwordSignIn(
				app,
				request,
				reply,
				{ kind: "superuser", collection: "_superusers" },
				(identity, password) => app.superusers.login(identity, password),
			),
	);
	docs.add({
		method: "post",
		path: "/api/v1/superusers/auth/password",
		summary: "Log in as a superuser with email and password",
		tag: "auth",
		auth: false,
		requestBody: passwordSignInBody,
		responses: {
			"200": { description: "Logged in", schema: loginResponse },
			"400": { description: "Wrong identity or password" },
			"429": { description: "Too many attempts for this account or address" },
		},
	});

	server.get("/api/v1/.well-known/jwks.json", async (_request, reply) => {
		reply.header("cache-control", "public, max-age=300");
		return app.keyRing.publicJwks();
	});
	docs.add({
		method: "get",
		path: "/api/v1/.well-known/jwks.json",
		summary: "Public keys that verify Basalt access tokens (RFC 7517)",
		tag: "auth",
		auth: false,
		responses: { "200": { description: "A JWK Set" } },
	});
}
