import type { Schema } from "../openapi/route-schema.js";

const clientInputMembers = {
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
} as const;

/** The body of POST /oauth/clients: unknown members are a 400. */
export const clientCreateBody = {
	type: "object",
	additionalProperties: false,
	required: ["name", "scopes"],
	properties: clientInputMembers,
} as const;

/** The body of PATCH /oauth/clients/{id}: the same members, each optional. */
export const clientPatchBody = {
	type: "object",
	additionalProperties: false,
	properties: clientInputMembers,
} as const;

const clientMembers = {
	id: { type: "string", description: "The client_id" },
	name: { type: "string" },
	scopes: { type: "array", items: { type: "string" } },
	active: { type: "boolean" },
	created: { type: "string", format: "date-time" },
	updated: { type: "string", format: "date-time" },
};
const clientRequired = ["id", "name", "scopes", "active", "created", "updated"];

/** A registered client as the API shows it: never its secret or the secret's hash. */
export const clientSchema: Schema = {
	type: "object",
	required: clientRequired,
	properties: clientMembers,
};

/** A client with its secret: the answers of a registration and of a new secret. */
export const clientWithSecretSchema: Schema = {
	type: "object",
	required: [...clientRequired, "secret"],
	properties: {
		...clientMembers,
		secret: {
			type: "string",
			description: "The client_secret (bcs_…): shown only here",
		},
	},
};
