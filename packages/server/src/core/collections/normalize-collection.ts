import { randomBytes } from "node:crypto";
import { AppError, type FieldError } from "../../tools/errors/index.js";
import { parseDateTime } from "../../tools/time/index.js";
import {
	type CollectionDefinition,
	type Field,
	type IndexDefinition,
	reservedFieldNames,
	systemColumns,
} from "./collection-definition.js";
import type {
	CollectionInput,
	FieldInput,
	IndexInput,
} from "./collection-input.js";
import { indexName } from "./index-name.js";

/** What normalizeCollection needs to know about the world around the collection. */
export interface NormalizeContext {
	/** The collection being changed, for PATCH; undefined when creating. */
	existing: CollectionDefinition | undefined;
	/** Tells whether a collection of that name exists (relation targets). */
	collectionExists(name: string): boolean;
	/** The id for a new collection. */
	newCollectionId: string;
}

const COLLECTION_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
/** SQLite refuses to create tables and indexes named sqlite_… (sqlite.org/fileformat2.html). */
const SQLITE_INTERNAL = /^sqlite_/;

const OPTIONS_BY_TYPE: Record<Field["type"], string[]> = {
	text: ["min", "max", "pattern"],
	number: ["min", "max", "integer"],
	bool: [],
	email: [],
	url: [],
	date: ["min", "max"],
	select: ["values", "maxSelect"],
	json: [],
	relation: ["collection", "maxSelect", "cascadeDelete"],
};
const COMMON_KEYS = new Set(["id", "name", "type", "required"]);

/**
 * Checks a collection sent by a client against the rules of SPEC section 3 and fills
 * in defaults: field ids, option defaults, index names, rules (superusers only) and
 * cache settings. Throws INVALID_SCHEMA naming every problem by its path.
 */
export function normalizeCollection(
	input: CollectionInput,
	context: NormalizeContext,
): CollectionDefinition {
	const errors: Record<string, FieldError> = {};
	const fail = (at: string, code: string, message: string) => {
		errors[at] ??= { code, message };
	};
	const existing = context.existing;
	const name = input.name ?? existing?.name ?? "";
	if (!COLLECTION_NAME.test(name)) {
		fail(
			"name",
			"INVALID_NAME",
			"must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63)",
		);
	} else if (SQLITE_INTERNAL.test(name)) {
		fail("name", "RESERVED_NAME", "names starting with sqlite_ are reserved");
	}
	const fields = (input.fields ?? existing?.fields ?? []).map((f, i) =>
		normalizeField(f, i, name, existing, context, fail),
	);
	checkFieldNames(fields, fail);
	const indexes = (input.indexes ?? existing?.indexes ?? []).map((ix, i) =>
		normalizeIndex(ix, i, { table: name, fields, existing }, fail),
	);
	checkIndexNames(indexes, fail);
	const rules = {
		list: null,
		view: null,
		create: null,
		update: null,
		delete: null,
		...existing?.rules,
		...input.rules,
	};
	const cache = {
		mode: "off" as const,
		ttlSeconds: 60,
		...existing?.cache,
		...input.cache,
	};
	if (Object.keys(errors).length > 0)
		throw new AppError("INVALID_SCHEMA", { errors });
	return {
		id: existing?.id ?? context.newCollectionId,
		name,
		type: "base",
		fields,
		indexes,
		rules,
		cache,
	};
}

type Fail = (at: string, code: string, message: string) => void;

function normalizeField(
	input: FieldInput | Field,
	i: number,
	collectionName: string,
	existing: CollectionDefinition | undefined,
	context: NormalizeContext,
	fail: Fail,
): Field {
	const at = `fields.${i}`;
	if (!FIELD_NAME.test(input.name)) {
		fail(
			`${at}.name`,
			"INVALID_NAME",
			"must start with a letter and hold only letters, digits and _ (at most 63)",
		);
	} else if (reservedFieldNames.has(input.name.toLowerCase())) {
		fail(`${at}.name`, "RESERVED_NAME", `"${input.name}" is reserved`);
	}
	for (const key of Object.keys(input)) {
		if (!COMMON_KEYS.has(key) && !OPTIONS_BY_TYPE[input.type].includes(key)) {
			fail(
				`${at}.${key}`,
				"UNKNOWN_OPTION",
				`does not apply to ${input.type} fields`,
			);
		}
	}
	let id = input.id;
	if (id === undefined) id = `f${randomBytes(5).toString("hex")}`;
	else if (existing && !existing.fields.some((f) => f.id === id)) {
		fail(
			`${at}.id`,
			"UNKNOWN_FIELD_ID",
			`no field of "${existing.name}" has id "${id}"; leave id out to add a field`,
		);
	}
	const base = { id, name: input.name, required: input.required ?? false };
	return normalizeOptions(input, base, at, collectionName, context, fail);
}

function normalizeOptions(
	input: FieldInput | Field,
	base: { id: string; name: string; required: boolean },
	at: string,
	collectionName: string,
	context: NormalizeContext,
	fail: Fail,
): Field {
	const o = input as FieldInput;
	switch (o.type) {
		case "text": {
			const min = nonNegativeInt(o.min, `${at}.min`, fail);
			const max = nonNegativeInt(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			if (o.pattern !== undefined)
				checkPattern(o.pattern, `${at}.pattern`, fail);
			return {
				...base,
				type: "text",
				...defined({ min, max, pattern: o.pattern }),
			};
		}
		case "number": {
			const min = finiteNumber(o.min, `${at}.min`, fail);
			const max = finiteNumber(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			return {
				...base,
				type: "number",
				integer: o.integer ?? false,
				...defined({ min, max }),
			};
		}
		case "date": {
			const min = isoDate(o.min, `${at}.min`, fail);
			const max = isoDate(o.max, `${at}.max`, fail);
			if (min !== undefined && max !== undefined && min > max)
				fail(`${at}.min`, "INVALID_RANGE", "must not exceed max");
			return { ...base, type: "date", ...defined({ min, max }) };
		}
		case "select":
			return {
				...base,
				type: "select",
				values: selectValues(o.values, at, fail),
				maxSelect: o.maxSelect ?? 1,
			};
		case "relation": {
			const target = o.collection ?? "";
			if (target !== collectionName && !context.collectionExists(target)) {
				fail(
					`${at}.collection`,
					"UNKNOWN_COLLECTION",
					`no collection "${target}"`,
				);
			}
			return {
				...base,
				type: "relation",
				collection: target,
				maxSelect: o.maxSelect ?? 1,
				cascadeDelete: o.cascadeDelete ?? false,
			};
		}
		default:
			return { ...base, type: o.type } as Field;
	}
}

function selectValues(
	values: string[] | undefined,
	at: string,
	fail: Fail,
): string[] {
	if (!values || values.length === 0) {
		fail(
			`${at}.values`,
			"VALUE_REQUIRED",
			"a select field needs at least one value",
		);
		return [];
	}
	if (new Set(values).size !== values.length)
		fail(`${at}.values`, "DUPLICATE_VALUES", "values must be unique");
	if (values.some((v) => v === "" || v.length > 255)) {
		fail(`${at}.values`, "INVALID_VALUE", "values must be 1 to 255 characters");
	}
	return values;
}

function nonNegativeInt(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
		fail(at, "INVALID_VALUE", "must be a whole number, 0 or more");
		return undefined;
	}
	return value;
}

function finiteNumber(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): number | undefined {
	if (value === undefined) return undefined;
	if (typeof value !== "number" || !Number.isFinite(value)) {
		fail(at, "INVALID_VALUE", "must be a number");
		return undefined;
	}
	return value;
}

function isoDate(
	value: number | string | undefined,
	at: string,
	fail: Fail,
): string | undefined {
	if (value === undefined) return undefined;
	const iso = typeof value === "string" ? parseDateTime(value) : undefined;
	if (iso === undefined) fail(at, "INVALID_VALUE", "must be an ISO 8601 date");
	return iso;
}

function checkPattern(pattern: string, at: string, fail: Fail): void {
	try {
		new RegExp(pattern, "u");
	} catch {
		fail(at, "INVALID_PATTERN", "is not a valid regular expression");
	}
}

function checkFieldNames(fields: Field[], fail: Fail): void {
	const seenNames = new Map<string, number>();
	const seenIds = new Set<string>();
	fields.forEach((field, i) => {
		// SQLite column names ignore case; PostgreSQL's quoted ones do not. Refuse both.
		const key = field.name.toLowerCase();
		if (seenNames.has(key))
			fail(
				`fields.${i}.name`,
				"DUPLICATE_NAME",
				`"${field.name}" is already used`,
			);
		seenNames.set(key, i);
		if (seenIds.has(field.id))
			fail(`fields.${i}.id`, "DUPLICATE_ID", `id "${field.id}" is used twice`);
		seenIds.add(field.id);
	});
}

interface IndexScope {
	table: string;
	fields: Field[];
	existing: CollectionDefinition | undefined;
}

function normalizeIndex(
	input: IndexInput,
	i: number,
	scope: IndexScope,
	fail: Fail,
): IndexDefinition {
	const { table, fields } = scope;
	const known = new Set<string>([
		...systemColumns,
		...fields.map((f) => f.name),
	]);
	input.fields.forEach((name, j) => {
		if (!known.has(name))
			fail(`indexes.${i}.fields.${j}`, "UNKNOWN_FIELD", `no field "${name}"`);
	});
	if (new Set(input.fields).size !== input.fields.length) {
		fail(`indexes.${i}.fields`, "DUPLICATE_VALUES", "a field appears twice");
	}
	if (input.name !== undefined && !COLLECTION_NAME.test(input.name)) {
		fail(
			`indexes.${i}.name`,
			"INVALID_NAME",
			"must hold only a-z, 0-9 and _ and start with a letter",
		);
	} else if (input.name !== undefined && SQLITE_INTERNAL.test(input.name)) {
		fail(
			`indexes.${i}.name`,
			"RESERVED_NAME",
			"names starting with sqlite_ are reserved",
		);
	}
	const unique = input.unique ?? false;
	const name =
		input.name ??
		sameIndex(input.fields, unique, scope)?.name ??
		indexName(table, input.fields, unique);
	return { name, fields: input.fields, unique };
}

/**
 * Finds the existing index over the same columns, so that an index sent without a name
 * after a field rename keeps its name instead of being dropped and built again.
 */
function sameIndex(
	names: string[],
	unique: boolean,
	scope: IndexScope,
): IndexDefinition | undefined {
	if (!scope.existing) return undefined;
	const keyOf = (fieldNames: string[], fields: Field[]) =>
		fieldNames.map((n) => fields.find((f) => f.name === n)?.id ?? n).join(",");
	const wanted = keyOf(names, scope.fields);
	const oldFields = scope.existing.fields;
	return scope.existing.indexes.find(
		(ix) => ix.unique === unique && keyOf(ix.fields, oldFields) === wanted,
	);
}

function checkIndexNames(indexes: IndexDefinition[], fail: Fail): void {
	const seen = new Set<string>();
	indexes.forEach((index, i) => {
		if (seen.has(index.name))
			fail(
				`indexes.${i}.name`,
				"DUPLICATE_NAME",
				`index "${index.name}" appears twice`,
			);
		seen.add(index.name);
	});
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(values).filter(([, v]) => v !== undefined),
	) as Partial<T>;
}
