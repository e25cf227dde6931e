import type { SuperuserCaller } from "../../core/model/index.js";
import { superuserSessionsOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, problems } from "../openapi/route-schema.js";
import { impersonationSchema } from "./account-schemas.js";

const accountParams = {
	type: "object",
	properties: {
		collection: { type: "string", description: "Auth collection name" },
		id: { type: "string", description: "The account's record id" },
	},
	required: ["collection", "id"],
} as const;

/** The optional body: `null`, `{}` or a lifetime. */
const impersonateBody = {
	type: ["object", "null"],
	additionalProperties: false,
	properties: {
		duration: {
			type: "integer",
			minimum: 10,
			maximum: 3600,
			description: "Seconds the token lives (default 900, at most 3600)",
		},
	},
} as const;

/** How long an impersonation token lives when the body does not say. */
const DEFAULT_SECONDS = 900;

/**
 * Binds impersonation (docs/auth.md#impersonation): a superuser signed in at the
 * console gets a short-lived access token for an account, audited.
 */
export const bindImpersonationRoute: RoutePlugin = async (server, { app }) => {
	server.post(
		"/collections/:collection/impersonate/:id",
		{
			config: { carriesSecret: true },
			// Acting as a user is for a person at the console, never for an API key.
			preValidation: superuserSessionsOnly,
			schema: {
				tags: ["auth"],
				security: BEARER,
				summary:
					"Get a short-lived access token for an account, to act as it (superusers; audited, no refresh token)",
				description:
					"Only a superuser's own session may: API keys and client tokens get 403 `SESSION_REQUIRED`.",
				params: accountParams,
				body: impersonateBody,
				response: {
					200: json("An access token for the account", impersonationSchema),
					...problems(400, 401, 403, 404, 413, 415),
				},
			},
		},
		async (request) => {
			// The hook let only a superuser's session through.
			const superuser = request.caller as SuperuserCaller;
			const { collection, id } = request.params;
			const duration = request.body?.duration ?? DEFAULT_SECONDS;
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
};
