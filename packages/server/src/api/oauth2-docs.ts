import { PRESETS } from "../core/sign-in-providers/index.js";
import type { ApiDocs, Schema } from "./api-docs.js";

const url = { type: "string", minLength: 1, maxLength: 2048 } as const;
const nullableUrl = { type: ["string", "null"], minLength: 1, maxLength: 2048 };
const names = {
	type: ["array", "null"],
	maxItems: 100,
	items: { type: "string", minLength: 1, maxLength: 256 },
	description: "Auth collections that may use the provider; null: every one",
};
const properties = {
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
	collections: names,
	redirectUrls: {
		type: "array",
		minItems: 1,
		maxItems: 50,
		items: url,
		description:
			"App URLs a sign-in may return to (origin and path match exactly)",
	},
	active: { type: "boolean" },
};

/** The body of POST /api/v1/oauth2/providers: unknown members are a 400. */
export const providerCreateSchema = {
	type: "object",
	additionalProperties: false,
	required: ["name", "clientId", "clientSecret", "redirectUrls"],
	properties: {
		name: { type: "string", minLength: 1, maxLength: 63 },
		...properties,
	},
} as const;

/** The body of PATCH /api/v1/oauth2/providers/{name}: the same members but the name. */
export const providerPatchSchema = {
	type: "object",
	additionalProperties: false,
	properties,
} as const;

/** The query of GET …/auth/oauth2/{provider}. */
export const beginQuerySchema = {
	type: "object",
	required: ["redirect"],
	properties: {
		redirect: { ...url, description: "The app URL to return to" },
		appState: {
			type: "string",
			maxLength: 512,
			description: "Handed back as `state`: check it to refuse login CSRF",
		},
	},
} as const;

/** The body of POST /api/v1/auth/oauth2/exchange. */
export const exchangeBodySchema = {
	type: "object",
	additionalProperties: false,
	required: ["code"],
	properties: { code: { type: "string", minLength: 1, maxLength: 256 } },
} as const;

const provider: Schema = {
	type: "object",
	properties: {
		name: { type: "string" },
		preset: { type: ["string", "null"] },
		kind: { type: "string", enum: ["oidc", "oauth2"] },
		issuer: { type: ["string", "null"] },
		tenant: { type: ["string", "null"] },
		clientId: { type: "string" },
		clientSecretSet: { type: "boolean", const: true },
		scopes: { type: "array", items: { type: "string" } },
		authorizationUrl: { type: ["string", "null"] },
		tokenUrl: { type: ["string", "null"] },
		userinfoUrl: { type: ["string", "null"] },
		collections: { type: ["array", "null"], items: { type: "string" } },
		redirectUrls: { type: "array", items: { type: "string" } },
		active: { type: "boolean" },
		callbackUrls: {
			type: "object",
			additionalProperties: { type: "string" },
			description:
				"Per collection: the redirect URI to register at the provider",
		},
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	},
};

const session: Schema = {
	type: "object",
	properties: {
		token: { type: "string" },
		refreshToken: { type: "string" },
		expiresIn: { type: "integer" },
		record: { type: "object" },
		meta: {
			type: "object",
			properties: {
				provider: { type: "string" },
				isNew: { type: "boolean" },
			},
		},
	},
};

const path = (name: string) => ({
	name,
	in: "path",
	required: true,
	schema: { type: "string" },
});

/** Adds the OAuth2 provider API to the OpenAPI document. */
function describeProviderRoutes(docs: ApiDocs): void {
	const base = { tag: "oauth2", auth: true } as const;
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/oauth2/providers",
		summary: "List OAuth2 providers (without client secrets)",
		responses: {
			"200": {
				description: "Every provider",
				schema: {
					type: "object",
					properties: { items: { type: "array", items: provider } },
				},
			},
		},
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/oauth2/providers",
		summary: "Add an OAuth2 / OpenID Connect provider",
		requestBody: providerCreateSchema,
		responses: {
			"201": { description: "Created", schema: provider },
			"409": { description: "The name is taken" },
			"422": { description: "Invalid members (field errors)" },
		},
	});
	for (const method of ["get", "patch", "delete"] as const) {
		docs.add({
			...base,
			method,
			path: "/api/v1/oauth2/providers/{name}",
			summary: {
				get: "Get an OAuth2 provider",
				patch:
					"Change an OAuth2 provider (a clientSecret replaces the stored one)",
				delete: "Delete an OAuth2 provider with its account links",
			}[method],
			parameters: [path("name")],
			...(method === "patch" ? { requestBody: providerPatchSchema } : {}),
			responses:
				method === "delete"
					? { "204": { description: "Deleted" } }
					: { "200": { description: "The provider", schema: provider } },
		});
	}
}

/** Adds the OAuth2 sign-in flow and the provider API to the OpenAPI document. */
export function describeOAuth2Routes(docs: ApiDocs): void {
	describeProviderRoutes(docs);
	const flow = { tag: "auth", auth: false } as const;
	const start = "/api/v1/collections/{collection}/auth/oauth2/{provider}";
	docs.add({
		...flow,
		method: "get",
		path: start,
		summary:
			"Start an OAuth2 sign-in: redirects the browser to the provider (PKCE, state, nonce)",
		parameters: [
			path("collection"),
			path("provider"),
			{ name: "redirect", in: "query", required: true, schema: url },
			{
				name: "appState",
				in: "query",
				required: false,
				schema: beginQuerySchema.properties.appState,
			},
		],
		responses: {
			"302": { description: "To the provider's authorization endpoint" },
			"400": { description: "The redirect URL is not allowed" },
			"404": { description: "No such provider for this collection" },
		},
	});
	for (const method of ["get", "post"] as const) {
		docs.add({
			...flow,
			method,
			path: `${start}/callback`,
			summary:
				method === "get"
					? "The provider's callback: redirects to the app with a one-time code (or an error code)"
					: "The provider's callback as a form post (response_mode=form_post, Apple)",
			parameters: [path("collection"), path("provider")],
			responses: {
				"303": { description: "To the app: ?code=… or ?error=…, and state" },
				"400": { description: "Unknown, expired or spent state" },
			},
		});
	}
	docs.add({
		...flow,
		method: "post",
		path: "/api/v1/auth/oauth2/exchange",
		summary: "Trade the one-time code of an OAuth2 sign-in for a session",
		requestBody: exchangeBodySchema,
		responses: {
			"200": { description: "Signed in", schema: session },
			"400": { description: "Unknown, expired or spent code" },
		},
	});
}
