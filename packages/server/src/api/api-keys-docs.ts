import { type ApiDocs, pageSchema, type Schema } from "./api-docs.js";

/** The body of POST /api/v1/api-keys: unknown members are a 400. */
export const apiKeyCreateSchema = {
	type: "object",
	additionalProperties: false,
	required: ["name", "scopes"],
	properties: {
		name: { type: "string", minLength: 1, maxLength: 100 },
		scopes: {
			type: "array",
			maxItems: 50,
			items: { type: "string", maxLength: 100 },
			description:
				"records:read:<collection|*>, records:write:<collection|*>; for superusers' keys also collections:read, collections:write, jobs, webhooks, admin",
		},
		expiresAt: {
			type: "string",
			maxLength: 64,
			description: "ISO 8601 date-time in the future; left out, no expiry",
		},
		owner: {
			type: "object",
			additionalProperties: false,
			required: ["collection", "id"],
			description:
				"Superusers only: the record of an auth collection the key acts as (left out: yourself)",
			properties: {
				collection: { type: "string", maxLength: 64 },
				id: { type: "string", maxLength: 64 },
			},
		},
	},
} as const;

const apiKey: Schema = {
	type: "object",
	properties: {
		id: { type: "string" },
		name: { type: "string" },
		scopes: { type: "array", items: { type: "string" } },
		owner: {
			type: "object",
			properties: {
				collection: {
					type: "string",
					description: "_superusers or the auth collection",
				},
				id: { type: "string" },
			},
		},
		expiresAt: { type: ["string", "null"], format: "date-time" },
		lastUsedAt: {
			type: ["string", "null"],
			format: "date-time",
			description: "Updated at most once a minute",
		},
		created: { type: "string", format: "date-time" },
	},
};
const withKey: Schema = {
	...apiKey,
	properties: {
		...(apiKey.properties as Schema),
		key: {
			type: "string",
			description: "bsk_…: shown only here; send it as Authorization: Bearer",
		},
	},
};

/** Adds the API keys API to the OpenAPI document. */
export function describeApiKeyRoutes(docs: ApiDocs): void {
	const base = { tag: "auth", auth: true } as const;
	const id = {
		name: "id",
		in: "path",
		required: true,
		schema: { type: "string" },
	};
	const query = (name: string, description: string) => ({
		name,
		in: "query",
		required: false,
		description,
		schema: { type: "string" },
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/api-keys",
		summary: "Make an API key (signed-in accounts only; the key is shown once)",
		requestBody: apiKeyCreateSchema,
		responses: {
			"201": {
				description: "Made: `key` is in this answer only",
				schema: withKey,
			},
			"403": {
				description:
					"Another account's key asked for by a non-superuser, or the caller is an API key or client token",
			},
			"422": { description: "A bad scope, name or expiry" },
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/api-keys",
		summary: "List API keys: your own, or (superusers) anyone's",
		parameters: [
			query("page", "From 1"),
			query("perPage", "At most 500"),
			query("ownerCollection", "_superusers or an auth collection"),
			query("ownerId", "The owner's id"),
		],
		responses: {
			"200": {
				description: "{ items, page, perPage, totalItems, totalPages }",
				schema: pageSchema(apiKey),
			},
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/api-keys/{id}",
		summary: "View an API key (without its secret)",
		parameters: [id],
		responses: { "200": { description: "The key", schema: apiKey } },
	});
	docs.add({
		...base,
		method: "delete",
		path: "/api/v1/api-keys/{id}",
		summary: "Revoke an API key: requests with it are refused from now on",
		parameters: [id],
		responses: { "204": { description: "Revoked" } },
	});
}
