import { type SqlBool, sql } from "kysely";
import type {
	ConstraintFailure,
	SqlDialect,
	StorageKind,
} from "./sql-dialect.js";

const COLUMN_TYPES: Record<StorageKind, string> = {
	text: "TEXT",
	real: "REAL",
	boolean: "INTEGER",
	// ISO 8601 UTC with milliseconds sorts and compares correctly as text.
	timestamp: "TEXT",
	// Not "JSON": that type name gives NUMERIC affinity and would turn '1' into 1.
	json: "TEXT",
};

/** Creates the SQLite flavour of SqlDialect. */
export function createSqliteDialect(): SqlDialect {
	return {
		name: "sqlite",
		systemName: "sqlite",
		canAlterColumns: false,
		columnType: (kind) => COLUMN_TYPES[kind],
		encode(kind, value) {
			if (value === null || value === undefined) return null;
			if (kind === "boolean") return value ? 1 : 0;
			if (kind === "json") return JSON.stringify(value);
			return value;
		},
		decode(kind, value) {
			if (value === null || value === undefined) return null;
			if (kind === "boolean")
				return value === 1 || value === 1n || value === true;
			if (kind === "json")
				return typeof value === "string" ? JSON.parse(value) : value;
			return value;
		},
		// A function registered by openSqliteDatabase: LIKE would fold ASCII case only.
		containsInsensitive: (expr, needle) =>
			sql<SqlBool>`basalt_icontains(${expr}, ${needle})`,
		castToText: (expr) => sql<string>`CAST(${expr} AS TEXT)`,
		keepsTransactionAfterError: true,
		numberParam: (value) => sql`${value}`,
		jsonArrayOf: (c) =>
			sql`CASE WHEN ${c} IS NULL OR ${c} = '' THEN NULL ELSE json_array(${c}) END`,
		firstJsonArrayElement: (c) => sql`json_extract(${c}, '$[0]')`,
		valueAsText: (c, kind) =>
			kind === "real"
				? // CAST(3.0 AS TEXT) is "3.0" in SQLite, but 3 reads "3" in JSON.
					sql<string>`CASE WHEN ${c} = CAST(${c} AS INTEGER) THEN CAST(CAST(${c} AS INTEGER) AS TEXT) ELSE CAST(${c} AS TEXT) END`
				: sql<string>`CAST(${c} AS TEXT)`,
		jsonArrayElements: (column, alias) =>
			sql`json_each(coalesce(${column}, '[]')) AS ${sql.id(alias)}`,
		isDistinct: (a, b) => sql<SqlBool>`${a} IS NOT ${b}`,
		nullsOrder: () => sql``,
		epochSeconds: (column) =>
			sql<number>`CAST(strftime('%s', ${column}) AS INTEGER)`,
		jsonArrayWithout: (column, values) =>
			sql`(SELECT json_group_array(e.value) FROM json_each(coalesce(${column}, '[]')) AS e WHERE e.value NOT IN (${sql.join(values)}))`,
		supportsRowLocks: false,
		jsonArrayLength: (column) =>
			sql<number>`coalesce(json_array_length(${column}), 0)`,
		classifyError,
		isSchemaMiss: (err) =>
			err instanceof Error &&
			/^(no such (table|column): |table \S+ has no column named )/.test(
				err.message,
			),
	};
}

function classifyError(err: unknown): ConstraintFailure | undefined {
	if (!(err instanceof Error) || !("code" in err)) return undefined;
	const code = String(err.code);
	if (
		code === "SQLITE_CONSTRAINT_UNIQUE" ||
		code === "SQLITE_CONSTRAINT_PRIMARYKEY"
	) {
		// "UNIQUE constraint failed: posts.title, posts.slug": names only, never values.
		const list = err.message.split(": ")[1] ?? "";
		const pairs = list.split(",").map((part) => part.trim().split("."));
		return {
			kind: "unique",
			table: pairs[0]?.[0],
			columns: pairs.map((pair) => pair[1] ?? "").filter(Boolean),
			constraint: undefined,
		};
	}
	if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return { kind: "foreign_key" };
	// SQLite runs ON DELETE RESTRICT as a trigger program that raises "FOREIGN KEY
	// constraint failed", so that failure comes with the trigger's code
	// (fkActionTrigger in https://github.com/sqlite/sqlite/blob/master/src/fkey.c).
	if (
		code === "SQLITE_CONSTRAINT_TRIGGER" &&
		err.message === "FOREIGN KEY constraint failed"
	)
		return { kind: "foreign_key" };
	if (code === "SQLITE_CONSTRAINT_NOTNULL") {
		return {
			kind: "not_null",
			column: err.message.split(": ")[1]?.split(".")[1],
		};
	}
	return undefined;
}
