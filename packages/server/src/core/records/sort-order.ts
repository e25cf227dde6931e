import { type RawBuilder, sql } from "kysely";
import { FilterSyntaxError, parseSort } from "../../tools/filter/index.js";
import type { SqlDialect } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import { findField, isMultiValue } from "../model/index.js";
import {
	accountColumnType,
	systemColumnType,
	type ValueType,
	valueTypeOf,
} from "../query/index.js";

/** One resolved sort key; the last key of every order is `id`, so orders are total. */
export interface SortColumn {
	name: string;
	direction: "asc" | "desc";
	type: ValueType;
	nullable: boolean;
}

/**
 * Parses `sort` (`-created,title`) against the collection; the default order is `id`,
 * which for UUIDv7 ids is creation order. Throws INVALID_SORT (400) naming the key.
 */
export function resolveSort(
	source: string | undefined,
	collection: Collection,
	superuser = false,
): SortColumn[] {
	const columns: SortColumn[] = [];
	for (const key of parseSortKeys(source)) {
		const name = key.path.join(".");
		if (key.path.length !== 1)
			throw invalidSort(`cannot sort by the relation path "${name}"`, key.pos);
		const systemType =
			systemColumnType(name) ?? accountColumnType(collection, name);
		if (name === "email" && systemType && !superuser) {
			throw invalidSort("only superusers sort by an account's email", key.pos);
		}
		const found = findField(collection, name);
		// A hidden field is, to anyone but a superuser, a field that does not exist.
		const field = found?.hidden && !superuser ? undefined : found;
		if (!systemType && !field)
			throw invalidSort(`unknown field "${name}"`, key.pos);
		if (field?.type === "encrypted")
			throw invalidSort(
				`cannot sort by the encrypted field "${name}": its stored order says nothing of its values`,
				key.pos,
			);
		if (field && (isMultiValue(field) || field.type === "json")) {
			throw invalidSort(
				field.type === "json"
					? `cannot sort by the JSON field "${name}"`
					: `cannot sort by "${name}": it holds a list of values`,
				key.pos,
			);
		}
		if (columns.some((c) => c.name === name))
			throw invalidSort(`"${name}" appears twice`, key.pos);
		const type = systemType ?? valueTypeOf(field as NonNullable<typeof field>);
		columns.push({
			name,
			direction: key.direction,
			type,
			nullable: systemType === undefined,
		});
	}
	if (!columns.some((c) => c.name === "id"))
		columns.push({
			name: "id",
			direction: "asc",
			type: "text",
			nullable: false,
		});
	return columns;
}

function parseSortKeys(source: string | undefined) {
	if (source === undefined || source.trim() === "") return [];
	try {
		return parseSort(source);
	} catch (err: unknown) {
		if (err instanceof FilterSyntaxError)
			throw invalidSort(err.message, err.position);
		throw err;
	}
}

function invalidSort(message: string, position: number): AppError {
	return new AppError("INVALID_SORT", {
		detail: message,
		extensions: { position },
	});
}

/** The ORDER BY terms for a sort, with NULLs ordered alike on both dialects. */
export function orderByTerms(
	columns: SortColumn[],
	alias: string,
	dialect: SqlDialect,
): RawBuilder<unknown>[] {
	return columns.map((c) => {
		const direction = sql.raw(c.direction === "asc" ? "ASC" : "DESC");
		const nulls = c.nullable ? dialect.nullsOrder(c.direction) : sql``;
		return sql`${sql.ref(`${alias}.${c.name}`)} ${direction}${nulls}`;
	});
}

/** The sort as a canonical string; a cursor is only valid for the sort it came from. */
export function sortSignature(columns: SortColumn[]): string {
	return columns
		.map((c) => `${c.direction === "desc" ? "-" : ""}${c.name}`)
		.join(",");
}
