import { collectionInputSchema } from "../../core/collections/index.js";
import { type FieldType, fieldTypes } from "../../core/model/index.js";
import type { Schema } from "../openapi/route-schema.js";

/** The body of POST /collections: a collection as sent, `name` required. */
export const collectionCreateBody = {
	...collectionInputSchema,
	required: ["name"],
} as const;

/**
 * The body of PATCH /collections/{name}: any members of a collection as sent; fields
 * are matched by `id` (docs/api.md#changing-a-collection).
 */
export const collectionPatchBody = collectionInputSchema;

const boolean = { type: "boolean" } as const;
const string = { type: "string" } as const;
const maxSelect = { type: "integer", minimum: 1 } as const;

/** The options each field type has once normalized, and which of them are always set. */
const OPTIONS: Readonly<Record<FieldType, [Schema, readonly string[]]>> = {
	text: [
		{
			min: { type: "integer", minimum: 0, description: "Characters" },
			max: { type: "integer", minimum: 0, description: "Characters" },
			pattern: { type: "string", description: "A regular expression" },
		},
		[],
	],
	number: [
		{ min: { type: "number" }, max: { type: "number" }, integer: boolean },
		["integer"],
	],
	bool: [{}, []],
	email: [{}, []],
	url: [{}, []],
	html: [
		{
			max: { type: "integer", minimum: 0, description: "Characters" },
			allowedTags: {
				type: "array",
				items: string,
				description:
					"Tags kept on write; script, style, iframe and other tags that run or load something are never allowed",
			},
			allowedAttributes: {
				type: "object",
				additionalProperties: { type: "array", items: string },
				description:
					"Attributes kept, per tag (`*`: every tag); event handlers and style are never allowed",
			},
		},
		["allowedTags", "allowedAttributes"],
	],
	encrypted: [
		{
			min: { type: "integer", minimum: 0, description: "Characters" },
			max: { type: "integer", minimum: 0, description: "Characters" },
			searchable: {
				type: "boolean",
				description:
					"Keeps a keyed blind index, so `=` and `!=` filters (and unique indexes) work; set on creation only",
			},
		},
		["searchable"],
	],
	date: [
		{
			min: { type: "string", format: "date-time" },
			max: { type: "string", format: "date-time" },
		},
		[],
	],
	select: [
		{ values: { type: "array", items: string }, maxSelect },
		["values", "maxSelect"],
	],
	json: [{}, []],
	relation: [
		{
			collection: { type: "string", description: "The target collection" },
			maxSelect,
			cascadeDelete: boolean,
		},
		["collection", "maxSelect", "cascadeDelete"],
	],
};

/** A field as answers show it: every field has its id, and each option its default. */
const fieldSchema: Schema = {
	oneOf: fieldTypes.map((type) => {
		const [options, always] = OPTIONS[type];
		return {
			type: "object",
			required: [
				"id",
				"name",
				"type",
				"required",
				"hidden",
				"readonly",
				...always,
			],
			properties: {
				id: { type: "string", description: "Stable across renames" },
				name: string,
				type: { const: type },
				required: boolean,
				hidden: boolean,
				readonly: boolean,
				...options,
			},
		};
	}),
};

const rule = {
	type: ["string", "null"],
	description: 'null: superusers only; "": anyone; else a filter expression',
};

const definitionMembers = {
	id: string,
	name: string,
	type: { type: "string", enum: ["base", "auth"] },
	fields: { type: "array", items: fieldSchema },
	indexes: {
		type: "array",
		items: {
			type: "object",
			required: ["name", "fields", "unique"],
			properties: {
				name: string,
				fields: { type: "array", items: string },
				unique: boolean,
			},
		},
	},
	rules: {
		type: "object",
		required: ["list", "view", "create", "update", "delete"],
		properties: {
			list: rule,
			view: rule,
			create: rule,
			update: rule,
			delete: rule,
		},
	},
	cache: {
		type: "object",
		required: ["mode", "ttlSeconds"],
		properties: {
			mode: { type: "string", enum: ["off", "on", "auto"] },
			ttlSeconds: { type: "integer" },
		},
	},
};
const definitionRequired = Object.keys(definitionMembers);

/** A collection definition as the history keeps it: no timestamps. */
const definitionSchema: Schema = {
	type: "object",
	required: definitionRequired,
	properties: definitionMembers,
};

/**
 * A collection as the API answers it: the normalized definition (field ids, option
 * defaults, index names, all five rules) and its timestamps. Unlike the request
 * bodies, it has ids and timestamps, and every member is always there.
 */
export const collectionSchema: Schema = {
	type: "object",
	required: [...definitionRequired, "cacheStatus", "created", "updated"],
	properties: {
		...definitionMembers,
		cacheStatus: {
			type: "object",
			description:
				"Whether this node caches the collection's read answers now, and the reads and writes it counted over the last minute: what `auto` decides on (docs/caching.md#modes).",
			required: ["active", "reads", "writes", "windowSeconds"],
			properties: {
				active: boolean,
				reads: { type: "integer", minimum: 0 },
				writes: { type: "integer", minimum: 0 },
				windowSeconds: { type: "integer", minimum: 1 },
			},
		},
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	},
};

/** One recorded schema change, with the SQL that applied it. */
export const historyEntrySchema: Schema = {
	type: "object",
	required: [
		"id",
		"collectionId",
		"collectionName",
		"action",
		"before",
		"after",
		"statements",
		"actor",
		"created",
	],
	properties: {
		id: string,
		collectionId: string,
		collectionName: { type: "string", description: "Its name at the time" },
		action: { type: "string", enum: ["create", "update", "delete"] },
		before: {
			description: "null for a create",
			anyOf: [definitionSchema, { type: "null" }],
		},
		after: {
			description: "null for a delete",
			anyOf: [definitionSchema, { type: "null" }],
		},
		statements: {
			type: "array",
			items: string,
			description: "The SQL that applied it, in order",
		},
		actor: {
			type: ["string", "null"],
			description:
				"The superuser's email; null for changes Basalt made itself (the default users collection)",
		},
		created: { type: "string", format: "date-time" },
	},
};
