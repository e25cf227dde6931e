import type { Collection, Field } from "../model/index.js";
import { isMultiValue } from "../model/index.js";

/** A JSON Schema object (draft 2020-12 / OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

const UUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/**
 * The JSON Schema of one field's non-null input value. The same schema validates
 * writes (ajv) and documents the collection in OpenAPI.
 */
export function fieldValueSchema(field: Field): JsonSchema {
	switch (field.type) {
		case "text":
			return defined({
				type: "string",
				minLength: field.min,
				maxLength: field.max,
				pattern: field.pattern,
			});
		case "number":
			return defined({
				type: field.integer ? "integer" : "number",
				minimum: field.min,
				maximum: field.max,
			});
		case "bool":
			return { type: "boolean" };
		case "email":
			return { type: "string", format: "email", maxLength: 254 };
		case "url":
			return { type: "string", format: "uri", maxLength: 2048 };
		case "html":
			return defined({
				type: "string",
				maxLength: field.max,
				description: "HTML, sanitized on write against the field's allowlist",
			});
		case "encrypted":
			return defined({
				type: "string",
				minLength: field.min,
				maxLength: field.max,
				description:
					"Encrypted at rest; returned in clear to callers who may read it",
			});
		case "date":
			// Checked by parseDateTime, which also takes "2026-03-01" and offsets.
			return {
				type: "string",
				maxLength: 64,
				description: "ISO 8601 date or date-time; stored as UTC",
			};
		case "select": {
			return oneOrList({ type: "string", enum: field.values }, field);
		}
		case "relation": {
			return oneOrList({ type: "string", pattern: UUID }, field);
		}
		case "json":
			return {};
	}
}

/** A value's schema, or a list of distinct such values when the field holds several. */
function oneOrList(
	one: JsonSchema,
	field: Extract<Field, { maxSelect: number }>,
): JsonSchema {
	return isMultiValue(field)
		? {
				type: "array",
				items: one,
				uniqueItems: true,
				maxItems: field.maxSelect,
			}
		: one;
}

/** The JSON Schema of a record as the API returns it, for OpenAPI. */
export function recordOutputSchema(collection: Collection): JsonSchema {
	const properties: Record<string, JsonSchema> = {
		id: { type: "string", format: "uuid" },
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	};
	if (collection.type === "auth") {
		properties.email = {
			type: "string",
			format: "email",
			description: "Shown to the account itself and superusers only.",
		};
		properties.verified = { type: "boolean" };
	}
	for (const field of collection.fields) {
		const schema =
			field.type === "date"
				? { type: "string", format: "date-time" }
				: fieldValueSchema(field);
		properties[field.name] =
			isMultiValue(field) || field.type === "json"
				? schema
				: { anyOf: [schema, { type: "null" }] };
	}
	properties.expand = {
		type: "object",
		description: "Related records, when `expand` was asked for.",
	};
	return { type: "object", properties, required: ["id", "created", "updated"] };
}

/** The account members an auth collection's writes take. */
const accountInputSchemas: Record<string, JsonSchema> = {
	email: {
		type: "string",
		format: "email",
		description: "Set by superusers after sign-up.",
	},
	password: { type: "string", minLength: 8, maxLength: 256, writeOnly: true },
	passwordConfirm: {
		type: "string",
		writeOnly: true,
		description: "Must equal password.",
	},
	oldPassword: {
		type: "string",
		writeOnly: true,
		description: "Needed to change one's own password.",
	},
	verified: { type: "boolean", description: "Superusers only." },
};

/** The JSON Schema of a create or full-replace body, for OpenAPI. */
export function recordInputSchema(
	collection: Collection,
	mode: "create" | "update",
): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	for (const field of collection.fields) {
		const schema = fieldValueSchema(field);
		properties[field.name] = field.required
			? schema
			: { anyOf: [schema, { type: "null" }] };
	}
	const required =
		mode === "create"
			? collection.fields.filter((f) => f.required).map((f) => f.name)
			: [];
	if (collection.type === "auth") {
		Object.assign(properties, accountInputSchemas);
		if (mode === "create")
			required.push("email", "password", "passwordConfirm");
	}
	return {
		type: "object",
		additionalProperties: false,
		properties,
		...(required.length ? { required } : {}),
	};
}

function defined(schema: JsonSchema): JsonSchema {
	return Object.fromEntries(
		Object.entries(schema).filter(([, v]) => v !== undefined),
	);
}
