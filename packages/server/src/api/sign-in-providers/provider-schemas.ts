import { PRESETS } from "../../core/sign-in-providers/index.js";

const url = { type: "string", minLength: 1, maxLength: 2048 } as const;
const nullableUrl = {
	type: ["string", "null"],
	minLength: 1,
	maxLength: 2048,
} as const;

/** The members a superuser may set on a provider, all but its name. */
const providerInput = {
	preset: {
		type: ["string", "null"],
		maxLength: 64,
		description: `One of ${Object.keys(PRESETS).join(", ")}; null for any OpenID Connect issuer or OAuth2 server`,
	},
	issuer: {
		...nullableUrl,
		description: "OpenID Connect issuer to discover (overrides a preset's)",
	},
	tenant: {
		type: ["string", "null"],
		maxLength: 100,
		description:
			"microsoft only: common (default), organizations, consumers or a tenant",
	},
	clientId: { type: "string", minLength: 1, maxLength: 512 },
	clientSecret: {
		type: "string",
		minLength: 1,
		maxLength: 8192,
		description: "Stored sealed with the master key; never returned",
	},
	scopes: {
		type: ["array", "null"],
		minItems: 1,
		maxItems: 50,
		items: { type: "string", minLength: 1, maxLength: 256 },
	},
	authorizationUrl: nullableUrl,
	tokenUrl: nullableUrl,
	userinfoUrl: nullableUrl,
	collections: {
		type: ["array", "null"],
		maxItems: 100,
		items: { type: "string", minLength: 1, maxLength: 256 },
		description: "Auth collections that may use the provider; null: every one",
	},
	redirectUrls: {
		type: "array",
		minItems: 1,
		maxItems: 50,
		items: url,
		description:
			"App URLs a sign-in may return to (origin and path match exactly)",
	},
	active: { type: "boolean" },
} as const;

/** The body of POST /api/v1/oauth2/providers: unknown members are a 400. */
export const providerCreateBody = {
	type: "object",
	additionalProperties: false,
	required: ["name", "clientId", "clientSecret", "redirectUrls"],
	properties: {
		name: { type: "string", minLength: 1, maxLength: 63 },
		...providerInput,
	},
} as const;

/** The body of PATCH /api/v1/oauth2/providers/{name}: the same members but the name. */
export const providerPatchBody = {
	type: "object",
	additionalProperties: false,
	properties: providerInput,
} as const;

const nullableString = { type: ["string", "null"] } as const;

/** A provider as the API shows it: never its client secret. */
export const providerSchema = {
	type: "object",
	required: [
		"name",
		"preset",
		"kind",
		"issuer",
		"tenant",
		"clientId",
		"clientSecretSet",
		"scopes",
		"authorizationUrl",
		"tokenUrl",
		"userinfoUrl",
		"collections",
		"redirectUrls",
		"active",
		"callbackUrls",
		"created",
		"updated",
	],
	properties: {
		name: { type: "string" },
		preset: { enum: [...Object.keys(PRESETS), null] },
		kind: {
			enum: ["oidc", "oauth2"],
			description:
				"oidc: discovery and a validated ID token; oauth2: a user API tells who signed in",
		},
		issuer: nullableString,
		tenant: nullableString,
		clientId: { type: "string" },
		clientSecretSet: { const: true },
		scopes: { type: "array", items: { type: "string" } },
		authorizationUrl: {
			...nullableString,
			description:
				"A plain OAuth2 provider's endpoint; null for OpenID Connect (discovered)",
		},
		tokenUrl: nullableString,
		userinfoUrl: nullableString,
		collections: { type: ["array", "null"], items: { type: "string" } },
		redirectUrls: { type: "array", items: { type: "string" } },
		active: { type: "boolean" },
		callbackUrls: {
			type: "object",
			additionalProperties: { type: "string" },
			description:
				"Per collection that may use it: the redirect URI to register at the provider",
		},
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	},
} as const;
