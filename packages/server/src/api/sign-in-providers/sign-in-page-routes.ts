import { PRESETS } from "../../core/sign-in-providers/index.js";
import { sessionSchema } from "../accounts/account-schemas.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { json, PUBLIC, problems } from "../openapi/route-schema.js";

const collectionParams = {
	type: "object",
	properties: {
		collection: {
			type: "string",
			minLength: 1,
			maxLength: 256,
			description: "Auth collection name",
		},
	},
	required: ["collection"],
} as const;

const exchangeBody = {
	type: "object",
	additionalProperties: false,
	required: ["code"],
	properties: {
		code: {
			type: "string",
			minLength: 1,
			maxLength: 256,
			description: "The `code` the callback sent the browser back with",
		},
	},
} as const;

const authMethods = {
	type: "object",
	required: ["password", "oauth2"],
	properties: {
		password: {
			type: "object",
			required: ["enabled"],
			properties: { enabled: { const: true } },
		},
		oauth2: {
			type: "object",
			required: ["providers"],
			properties: {
				providers: {
					type: "array",
					description: "The active providers offered to the collection",
					items: {
						type: "object",
						required: ["name", "preset", "startUrl"],
						properties: {
							name: { type: "string" },
							preset: { enum: [...Object.keys(PRESETS), null] },
							startUrl: {
								type: "string",
								description:
									"Where to send the browser, with `?redirect=` (and `appState`)",
							},
						},
					},
				},
			},
		},
	},
} as const;

/** A session from an OAuth2 sign-in, and how it came about. */
const oauth2Session = {
	...sessionSchema,
	required: [...sessionSchema.required, "meta"],
	properties: {
		...sessionSchema.properties,
		meta: {
			type: "object",
			required: ["provider", "isNew"],
			properties: {
				provider: { type: "string" },
				isNew: {
					type: "boolean",
					description: "True when the sign-in made the account",
				},
			},
		},
	},
} as const;

const base = { tags: ["auth"], security: PUBLIC } as const;

/**
 * Binds what an app's sign-in page calls around the browser's trip to the provider
 * (docs/auth.md#sign-in-pages-and-linked-identities): the sign-in methods to offer,
 * and the exchange of the one-time code it got back for a session.
 */
export const bindSignInPageRoutes: RoutePlugin = async (server, { app }) => {
	server.get(
		"/collections/:collection/auth/methods",
		{
			schema: {
				...base,
				summary:
					"How accounts of an auth collection can sign in: password, and the OAuth2 providers offered to it",
				params: collectionParams,
				response: {
					200: json("The sign-in methods", authMethods),
					...problems(400, 404),
				},
			},
		},
		(request) => app.signInProviders.methodsOf(request.params.collection),
	);
	server.post(
		"/auth/oauth2/exchange",
		{
			config: { carriesSecret: true },
			schema: {
				...base,
				summary: "Trade the one-time code of an OAuth2 sign-in for a session",
				description:
					"A code is good once, for a minute; an unknown, expired or spent one is 400 `OAUTH2_CODE_INVALID`.",
				body: exchangeBody,
				response: {
					200: json("Signed in", oauth2Session),
					...problems(400, 413, 415),
				},
			},
		},
		async (request) => app.signInProviders.exchange(request.body.code),
	);
};
