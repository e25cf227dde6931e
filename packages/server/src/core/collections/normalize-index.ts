import {
	type CollectionDefinition,
	type CollectionType,
	type Field,
	type IndexDefinition,
	systemColumns,
} from "../model/index.js";
import type { IndexInput } from "./collection-input.js";
import { indexName } from "./index-name.js";
import { COLLECTION_NAME, SQLITE_INTERNAL } from "./name-patterns.js";
import type { Fail } from "./normalize-context.js";

/** The collection an index belongs to, as it will be and as it was. */
export interface IndexScope {
	table: string;
	fields: Field[];
	existing: CollectionDefinition | undefined;
	type: CollectionType;
}

/** Checks one index of a collection and names it when the client did not. */
export function normalizeIndex(
	input: IndexInput,
	i: number,
	scope: IndexScope,
	fail: Fail,
): IndexDefinition {
	const { table, fields } = scope;
	// An auth collection's email is unique already; `verified` may be indexed.
	const known = new Set<string>([
		...systemColumns,
		...(scope.type === "auth" ? ["verified"] : []),
		...fields.map((f) => f.name),
	]);
	input.fields.forEach((name, j) => {
		if (!known.has(name))
			fail(`indexes.${i}.fields.${j}`, "UNKNOWN_FIELD", `no field "${name}"`);
		const field = fields.find((f) => f.name === name);
		// Ciphertexts differ for equal values: only the blind index can be indexed.
		if (field?.type === "encrypted" && !field.searchable)
			fail(
				`indexes.${i}.fields.${j}`,
				"NOT_SEARCHABLE",
				`"${name}" is encrypted without searchable: true, so nothing can index it`,
			);
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

/** Refuses an index name that appears twice in one collection. */
export function checkIndexNames(indexes: IndexDefinition[], fail: Fail): void {
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
