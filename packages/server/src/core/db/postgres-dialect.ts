import { type SqlBool, sql } from "kysely";
import type {
	ConstraintFailure,
	SqlDialect,
	StorageKind,
} from "./sql-dialect.js";

const COLUMN_TYPES: Record<StorageKind, string> = {
	text: "text",
	real: "double precision",
	boolean: "boolean",
	timestamp: "timestamptz(3)",
	json: "jsonb",
};

/** Escapes LIKE wildcards so that user input only ever matches itself. */
export function escapeLike(needle: string): string {
	return needle.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Creates the PostgreSQL flavour of SqlDialect. */
export function createPostgresDialect(): SqlDialect {
	return {
		name: "postgres",
		systemName: "postgresql",
		canAlterColumns: true,
		columnType: (kind) => COLUMN_TYPES[kind],
		encode(kind, value) {
			if (value === null || value === undefined) return null;
			// pg would send a JS array as a PostgreSQL array literal, not as JSON.
			if (kind === "json") return JSON.stringify(value);
			return value;
		},
		decode: (_kind, value) => value ?? null,
		containsInsensitive: (expr, needle) =>
			sql<SqlBool>`${expr} ILIKE ${`%${escapeLike(needle)}%`}`,
		castToText: (expr) => sql<string>`(${expr})::text`,
		keepsTransactionAfterError: false,
		numberParam: (value) =>
			Number.isInteger(value) && Math.abs(value) < 2 ** 31
				? sql`${value}`
				: sql`CAST(${value} AS double precision)`,
		jsonArrayOf: (c) =>
			sql`CASE WHEN ${c} IS NULL OR ${c} = '' THEN NULL ELSE jsonb_build_array(${c}) END`,
		firstJsonArrayElement: (c) => sql`(${c} ->> 0)`,
		valueAsText: (c, kind) =>
			kind === "timestamp"
				? sql<string>`to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
				: sql<string>`(${c})::text`,
		jsonArrayElements: (column, alias) =>
			sql`jsonb_array_elements_text(CASE WHEN jsonb_typeof(${column}) = 'array' THEN ${column} END) AS ${sql.id(alias)}(value)`,
		isDistinct: (a, b) => sql<SqlBool>`${a} IS DISTINCT FROM ${b}`,
		jsonArrayWithout: (column, values) =>
			sql`(SELECT coalesce(jsonb_agg(e.value), '[]'::jsonb) FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(${column}) = 'array' THEN ${column} END) AS e(value) WHERE e.value NOT IN (${sql.join(values)}))`,
		supportsRowLocks: true,
		epochSeconds: (column) =>
			sql<number>`CAST(floor(extract(epoch FROM ${column})) AS bigint)`,
		nullsOrder: (direction) =>
			direction === "asc" ? sql` NULLS FIRST` : sql` NULLS LAST`,
		jsonArrayLength: (column) =>
			sql<number>`(CASE WHEN jsonb_typeof(${column}) = 'array' THEN jsonb_array_length(${column}) ELSE 0 END)`,
		classifyError,
		// SQLSTATE 42P01 undefined_table, 42703 undefined_column.
		isSchemaMiss: (err) =>
			err instanceof Error &&
			((err as PgError).code === "42P01" || (err as PgError).code === "42703"),
	};
}

interface PgError extends Error {
	code?: string;
	table?: string;
	column?: string;
	constraint?: string;
}

function classifyError(err: unknown): ConstraintFailure | undefined {
	if (!(err instanceof Error)) return undefined;
	const pgErr = err as PgError;
	// SQLSTATE class 23: integrity constraint violation.
	if (pgErr.code === "23505") {
		// `detail` holds the duplicate values: it is never read here, so never sent on.
		return {
			kind: "unique",
			table: pgErr.table,
			columns: [],
			constraint: pgErr.constraint,
		};
	}
	if (pgErr.code === "23503") return { kind: "foreign_key" };
	if (pgErr.code === "23502") return { kind: "not_null", column: pgErr.column };
	return undefined;
}
