import { type FieldType, fieldTypes } from "../model/index.js";

/**
 * A collection as a client sends it to POST or PATCH /api/v1/collections, after the
 * API layer checked its shape against collectionInputSchema. Options the field type
 * does not use are refused by normalizeCollection.
 */
export interface CollectionInput {
	name?: string;
	type?: "base" | "auth";
	fields?: FieldInput[];
	indexes?: IndexInput[];
	rules?: Partial<
		Record<"list" | "view" | "create" | "update" | "delete", string | null>
	>;
	cache?: { mode?: "off" | "on" | "auto"; ttlSeconds?: number };
}

/** One field as sent by a client. */
export interface FieldInput {
	id?: string;
	name: string;
	type: FieldType;
	required?: boolean;
	hidden?: boolean;
	readonly?: boolean;
	min?: number | string;
	max?: number | string;
	pattern?: string;
	integer?: boolean;
	values?: string[];
	maxSelect?: number;
	collection?: string;
	cascadeDelete?: boolean;
	allowedTags?: string[];
	allowedAttributes?: Record<string, string[]>;
	searchable?: boolean;
}

/** One index as sent by a client. */
export interface IndexInput {
	name?: string;
	fields: string[];
	unique?: boolean;
}

const fieldOptionSchemas = {
	id: { type: "string", pattern: "^[a-z0-9_]{1,40}$" },
	name: { type: "string", minLength: 1, maxLength: 63 },
	type: { type: "string", enum: fieldTypes },
	required: { type: "boolean" },
	hidden: { type: "boolean" },
	readonly: { type: "boolean" },
	min: { type: ["number", "string"] },
	max: { type: ["number", "string"] },
	pattern: { type: "string", maxLength: 1000 },
	integer: { type: "boolean" },
	values: { type: "array", items: { type: "string" }, maxItems: 1000 },
	maxSelect: { type: "integer", minimum: 1, maximum: 10000 },
	collection: { type: "string" },
	cascadeDelete: { type: "boolean" },
	searchable: { type: "boolean" },
	allowedTags: { type: "array", items: { type: "string" }, maxItems: 200 },
	allowedAttributes: {
		type: "object",
		maxProperties: 200,
		additionalProperties: {
			type: "array",
			items: { type: "string" },
			maxItems: 100,
		},
	},
} as const;

const ruleSchema = { type: ["string", "null"], maxLength: 4096 } as const;

/** The JSON Schema of CollectionInput: validates requests and documents them in OpenAPI. */
export const collectionInputSchema = {
	type: "object",
	additionalProperties: false,
	properties: {
		name: { type: "string", minLength: 1, maxLength: 63 },
		type: { type: "string", enum: ["base", "auth"] },
		fields: {
			type: "array",
			maxItems: 500,
			items: {
				type: "object",
				additionalProperties: false,
				required: ["name", "type"],
				properties: fieldOptionSchemas,
			},
		},
		indexes: {
			type: "array",
			maxItems: 64,
			items: {
				type: "object",
				additionalProperties: false,
				required: ["fields"],
				properties: {
					name: { type: "string", minLength: 1, maxLength: 63 },
					fields: {
						type: "array",
						minItems: 1,
						maxItems: 16,
						items: { type: "string" },
					},
					unique: { type: "boolean" },
				},
			},
		},
		rules: {
			type: "object",
			additionalProperties: false,
			properties: {
				list: ruleSchema,
				view: ruleSchema,
				create: ruleSchema,
				update: ruleSchema,
				delete: ruleSchema,
			},
		},
		cache: {
			type: "object",
			additionalProperties: false,
			properties: {
				mode: { type: "string", enum: ["off", "on", "auto"] },
				ttlSeconds: { type: "integer", minimum: 1, maximum: 86400 },
			},
		},
	},
} as const;
