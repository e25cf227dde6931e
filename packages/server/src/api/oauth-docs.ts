import type { ApiDocs, Schema } from "./api-docs.js";

const properties = {
	name: { type: "string", minLength: 1, maxLength: 100 },
	scopes: {
		type: "array",
		maxItems: 50,
		items: { type: "string", maxLength: 100 },
		description:
			"records:read:<collection|*> and records:write:<collection|*> only",
	},
	active: {
		type: "boolean",
		description: "false: no new tokens, and issued ones are refused",
	},
};

/** The body of POST /api/v1/oauth/clients: unknown members are a 400. */
export const oauthClientCreateSchema = {
	type: "object",
	additionalProperties: false,
	required: ["name", "scopes"],
	properties,
} as const;

/** The body of PATCH /api/v1/oauth/clients/{id}: the same members, each optional. */
export const oauthClientPatchSchema = {
	type: "object",
	additionalProperties: false,
	properties,
} as const;

const client: Schema = {
	type: "object",
	properties: {
		id: { type: "string", description: "The client_id" },
		name: { type: "string" },
		scopes: { type: "array", items: { type: "string" } },
		active: { type: "boolean" },
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	},
};
const withSecret: Schema = {
	...client,
	properties: {
		...(client.properties as Schema),
		secret: {
			type: "string",
			description: "The client_secret (bcs_…): shown only here",
		},
	},
};

/** Adds the OAuth2 clients API to the OpenAPI document. */
export function describeOAuthClientRoutes(docs: ApiDocs): void {
	const base = { tag: "auth", auth: true } as const;
	const path = "/api/v1/oauth/clients";
	const id = {
		name: "id",
		in: "path",
		required: true,
		schema: { type: "string" },
	};
	docs.add({
		...base,
		method: "get",
		path,
		summary: "List OAuth2 clients (signed-in superusers)",
		responses: {
			"200": {
				description: "{ items }",
				schema: {
					type: "object",
					properties: { items: { type: "array", items: client } },
				},
			},
		},
	});
	docs.add({
		...base,
		method: "post",
		path,
		summary: "Register an OAuth2 client for the client_credentials grant",
		requestBody: oauthClientCreateSchema,
		responses: {
			"201": {
				description: "Registered: `secret` is in this answer only",
				schema: withSecret,
			},
			"422": { description: "A bad scope or name" },
		},
	});
	docs.add({
		...base,
		method: "get",
		path: `${path}/{id}`,
		summary: "View an OAuth2 client",
		parameters: [id],
		responses: { "200": { description: "The client", schema: client } },
	});
	docs.add({
		...base,
		method: "patch",
		path: `${path}/{id}`,
		summary:
			"Change a client's name, scopes or active flag (narrower scopes narrow issued tokens at once)",
		parameters: [id],
		requestBody: oauthClientPatchSchema,
		responses: { "200": { description: "The client", schema: client } },
	});
	docs.add({
		...base,
		method: "delete",
		path: `${path}/{id}`,
		summary: "Delete a client: its tokens are refused from now on",
		parameters: [id],
		responses: { "204": { description: "Deleted" } },
	});
	docs.add({
		...base,
		method: "post",
		path: `${path}/{id}/secret`,
		summary:
			"Make a new client secret; the old one and every issued token stop working",
		parameters: [id],
		responses: {
			"200": {
				description: "The client with its new secret",
				schema: withSecret,
			},
		},
	});
}

const tokenRequest: Schema = {
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

/** Adds the token endpoint to the OpenAPI document. */
export function describeTokenRoute(docs: ApiDocs): void {
	docs.add({
		method: "post",
		path: "/api/v1/oauth/token",
		summary:
			"OAuth2 client_credentials grant (RFC 6749 section 4.4): client_secret_basic or client_secret_post",
		tag: "auth",
		auth: false,
		requestBody: tokenRequest,
		requestType: "application/x-www-form-urlencoded",
		responses: {
			"200": {
				description: "A token (Cache-Control: no-store)",
				schema: {
					type: "object",
					properties: {
						access_token: { type: "string" },
						token_type: { type: "string", enum: ["Bearer"] },
						expires_in: { type: "integer" },
						scope: { type: "string" },
					},
				},
			},
			"400": {
				description:
					"{ error, error_description }: invalid_request, unsupported_grant_type, unauthorized_client or invalid_scope (RFC 6749 section 5.2)",
			},
			"401": {
				description: "{ error: invalid_client }, with WWW-Authenticate: Basic",
			},
		},
	});
}
