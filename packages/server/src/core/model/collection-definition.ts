/**
 * The shape of a collection as the API reads and writes it
 * (docs/api.md#collections-superusers-only), after normalization: every field has an
 * `id`, every option its default.
 */

/** The field types of this version. */
export const fieldTypes = [
	"text",
	"number",
	"bool",
	"email",
	"url",
	"html",
	"encrypted",
	"date",
	"select",
	"json",
	"relation",
] as const;
/** One of fieldTypes. */
export type FieldType = (typeof fieldTypes)[number];

interface FieldBase {
	/** Stable across renames; given on creation. */
	id: string;
	name: string;
	required: boolean;
	/**
	 * Never returned to, filtered or sorted by anyone but superusers; rules may use
	 * it (a field only rules read, such as an invite code or an owner's secret).
	 */
	hidden: boolean;
	/** Set on create; afterwards only superusers change it (docs/api.md#field-types). */
	readonly: boolean;
}

/** A text field. */
export interface TextField extends FieldBase {
	type: "text";
	min?: number;
	max?: number;
	pattern?: string;
}
/** A number field. */
export interface NumberField extends FieldBase {
	type: "number";
	min?: number;
	max?: number;
	integer: boolean;
}
/** A bool field. */
export interface BoolField extends FieldBase {
	type: "bool";
}
/** An email address field. */
export interface EmailField extends FieldBase {
	type: "email";
}
/** An http(s) URL field. */
export interface UrlField extends FieldBase {
	type: "url";
}
/**
 * Rich text, sanitized on every write against an allowlist of tags and attributes
 * (docs/security.md#html-fields): what is stored is safe to render as HTML.
 */
export interface HtmlField extends FieldBase {
	type: "html";
	/** The longest value accepted, in characters, before sanitizing. */
	max?: number;
	/** Tags kept; others are removed with their markup (their text stays). */
	allowedTags: string[];
	/** Attributes kept, per tag; `*` applies to every tag. */
	allowedAttributes: Record<string, string[]>;
}
/**
 * Text encrypted at rest (docs/security.md#encrypted-fields): AES-256-GCM under the
 * active data key, bound to its record and field. `searchable` adds a keyed blind
 * index, so `=` and `!=` filters work; nothing else can compare or sort it.
 */
export interface EncryptedField extends FieldBase {
	type: "encrypted";
	/** The shortest and longest plaintext accepted, in characters. */
	min?: number;
	max?: number;
	searchable: boolean;
}
/** A date-time field, stored and returned as ISO 8601 UTC. */
export interface DateField extends FieldBase {
	type: "date";
	min?: string;
	max?: string;
}
/** One (maxSelect 1) or several of a fixed list of values. */
export interface SelectField extends FieldBase {
	type: "select";
	values: string[];
	maxSelect: number;
}
/** Any JSON value. */
export interface JsonField extends FieldBase {
	type: "json";
}
/** The id (maxSelect 1) or ids of records in another collection. */
export interface RelationField extends FieldBase {
	type: "relation";
	collection: string;
	maxSelect: number;
	cascadeDelete: boolean;
}

/** Any field. */
export type Field =
	| TextField
	| NumberField
	| BoolField
	| EmailField
	| UrlField
	| HtmlField
	| EncryptedField
	| DateField
	| SelectField
	| JsonField
	| RelationField;

/** A plain or unique index over one or more columns. */
export interface IndexDefinition {
	name: string;
	fields: string[];
	unique: boolean;
}

/** The five rules; null is superusers only, "" is anyone, else a filter expression. */
export interface Rules {
	list: string | null;
	view: string | null;
	create: string | null;
	update: string | null;
	delete: string | null;
}

/**
 * Response caching (docs/api.md#collections-superusers-only): stored now, honoured once
 * a cache layer lands.
 */
export interface CacheOptions {
	mode: "off" | "on" | "auto";
	ttlSeconds: number;
}

/** `base`: records; `auth`: records that are accounts (email, password, verified). */
export type CollectionType = "base" | "auth";

/** A whole collection definition. */
export interface CollectionDefinition {
	id: string;
	name: string;
	type: CollectionType;
	fields: Field[];
	indexes: IndexDefinition[];
	rules: Rules;
	cache: CacheOptions;
}

/** A stored collection: its definition plus bookkeeping. */
export interface Collection extends CollectionDefinition {
	/** Increases with every schema change; compiled queries and validators key on it. */
	version: number;
	created: string;
	updated: string;
}

/** Columns every collection table has, in this order, before its fields. */
export const systemColumns = ["id", "created", "updated"] as const;

/**
 * Names a field may not take: system columns, the `expand` member of records, and
 * PostgreSQL's system columns, which no table may have a column of
 * (https://www.postgresql.org/docs/current/ddl-system-columns.html).
 */
export const reservedFieldNames = new Set<string>([
	...systemColumns,
	"expand",
	"collectionid",
	"collectionname",
	"tableoid",
	"xmin",
	"cmin",
	"xmax",
	"cmax",
	"ctid",
]);

/**
 * The columns an auth collection has besides its fields: `email` (unique, stored
 * lower-cased) and `verified` are part of its records; `password_hash` and
 * `token_key` never leave the server.
 */
export const authColumns = [
	"email",
	"verified",
	"password_hash",
	"token_key",
] as const;

/** Names an auth collection's fields may not take (ignoring case): its system members. */
export const reservedAuthNames = new Set<string>([
	"email",
	"password",
	"passwordconfirm",
	"oldpassword",
	"verified",
	"tokenkey",
	"token_key",
	"password_hash",
]);

/** Tells whether a field holds a list of values (stored as a JSON array). */
export function isMultiValue(field: Field): boolean {
	return (
		(field.type === "select" || field.type === "relation") &&
		field.maxSelect > 1
	);
}

/** Finds a field by name; names are unique ignoring case. */
export function findField(
	collection: CollectionDefinition,
	name: string,
): Field | undefined {
	return collection.fields.find((f) => f.name === name);
}
