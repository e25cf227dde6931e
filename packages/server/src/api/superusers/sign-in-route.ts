import {
	passwordSignIn,
	passwordSignInBody,
} from "../accounts/password-sign-in.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { json, PUBLIC, problems } from "../openapi/route-schema.js";

const superuserSession = {
	type: "object",
	required: ["token", "expiresIn", "record"],
	properties: {
		token: { type: "string", description: "JWT access token (EdDSA)" },
		expiresIn: {
			type: "integer",
			description: "Seconds until the token expires",
		},
		record: {
			type: "object",
			required: ["id", "email", "created", "updated"],
			properties: {
				id: { type: "string" },
				email: { type: "string" },
				created: { type: "string", format: "date-time" },
				updated: { type: "string", format: "date-time" },
			},
		},
	},
} as const;

/**
 * Binds the superusers' password sign-in (docs/api.md#superuser-login): an access
 * token, and no refresh token.
 */
export const bindSuperuserSignInRoute: RoutePlugin = async (
	server,
	{ app },
) => {
	server.post(
		"/superusers/auth/password",
		{
			config: { carriesSecret: true },
			schema: {
				tags: ["auth"],
				security: PUBLIC,
				summary: "Log in as a superuser with email and password",
				description:
					"A wrong password and an unknown email give the same 400 `INVALID_CREDENTIALS`, in the same time. Limited per identity and per IP (docs/auth.md#brute-force-limits).",
				body: passwordSignInBody,
				response: {
					200: json("Logged in", superuserSession),
					...problems(400, 413, 415, 429),
				},
			},
		},
		async (request, reply) =>
			passwordSignIn(app, request, reply, {
				kind: "superuser",
				collection: "_superusers",
				...request.body,
				login: (identity, password) => app.superusers.login(identity, password),
			}),
	);
};
