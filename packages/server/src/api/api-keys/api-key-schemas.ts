import type { Schema } from "../openapi/route-schema.js";

/** The body of POST /api-keys: unknown members are a 400. */
export const apiKeyBody = {
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

const apiKeyMembers = {
	id: { type: "string" },
	name: { type: "string" },
	scopes: { type: "array", items: { type: "string" } },
	owner: {
		type: "object",
		required: ["collection", "id"],
		properties: {
			collection: {
				type: "string",
				description: "_superusers or the auth collection",
			},
			id: { type: "string" },
		},
	},
	expiresAt: {
		type: ["string", "null"],
		format: "date-time",
		description: "null: the key does not expire",
	},
	lastUsedAt: {
		type: ["string", "null"],
		format: "date-time",
		description: "Updated at most once a minute; null until first used",
	},
	created: { type: "string", format: "date-time" },
};
const apiKeyRequired = [
	"id",
	"name",
	"scopes",
	"owner",
	"expiresAt",
	"lastUsedAt",
	"created",
];

/** An API key as every answer but its creation's shows it: never its secret. */
export const apiKeySchema: Schema = {
	type: "object",
	required: apiKeyRequired,
	properties: apiKeyMembers,
};

/** A key just made: the one answer that holds the key itself. */
export const newApiKeySchema: Schema = {
	type: "object",
	required: [...apiKeyRequired, "key"],
	properties: {
		...apiKeyMembers,
		key: {
			type: "string",
			description: "bsk_…: shown only here; send it as Authorization: Bearer",
		},
	},
};
