import { randomBytes } from "node:crypto";
import { AppError, type FieldError } from "../errors/index.js";
import {
	type CollectionDefinition,
	type Field,
	reservedAuthNames,
	reservedFieldNames,
} from "../model/index.js";
import type { CollectionInput, FieldInput } from "./collection-input.js";
import { normalizeOptions, OPTIONS_BY_TYPE } from "./field-options.js";
import {
	COLLECTION_NAME,
	FIELD_NAME,
	SQLITE_INTERNAL,
} from "./name-patterns.js";
import type { Fail, NormalizeContext } from "./normalize-context.js";
import { checkIndexNames, normalizeIndex } from "./normalize-index.js";

const COMMON_KEYS = new Set([
	"id",
	"name",
	"type",
	"required",
	"hidden",
	"readonly",
]);

/**
 * Checks a collection sent by a client against the rules of
 * docs/api.md#collections-superusers-only and fills in defaults: field ids, option
 * defaults, index names, rules (superusers only) and cache settings. Throws
 * INVALID_SCHEMA naming every problem by its path.
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
	const type = input.type ?? existing?.type ?? "base";
	if (existing && type !== existing.type) {
		fail(
			"type",
			"CHANGE_REFUSED",
			`a ${existing.type} collection cannot become ${type}`,
		);
	}
	const fields = (input.fields ?? existing?.fields ?? []).map((f, i) =>
		normalizeField(f, i, name, existing, context, fail),
	);
	if (type === "auth") {
		fields.forEach((field, i) => {
			if (reservedAuthNames.has(field.name.toLowerCase())) {
				fail(
					`fields.${i}.name`,
					"RESERVED_NAME",
					`"${field.name}" is a member every auth record has`,
				);
			}
		});
	}
	checkFieldNames(fields, fail);
	const indexes = (input.indexes ?? existing?.indexes ?? []).map((ix, i) =>
		normalizeIndex(ix, i, { table: name, fields, existing, type }, fail),
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
		type,
		fields,
		indexes,
		rules,
		cache,
	};
}

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
	const base = {
		id,
		name: input.name,
		required: input.required ?? false,
		hidden: input.hidden ?? false,
		readonly: input.readonly ?? false,
	};
	return normalizeOptions(input, base, at, collectionName, context, fail);
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
