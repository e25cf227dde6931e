import type { Kysely, RawBuilder, SqlBool, Transaction } from "kysely";

/** The tables of a Basalt database; collection tables are only known at run time. */
export type DatabaseSchema = Record<string, Record<string, unknown>>;

/** Something queries run on: the database itself or an open transaction. */
export type Executor = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** How a value is stored; each field type maps to one (see core/collections). */
export type StorageKind = "text" | "real" | "boolean" | "timestamp" | "json";

/** What a failed statement means for the client, read from the driver's error. */
export type ConstraintFailure =
	| {
			kind: "unique";
			table: string | undefined;
			columns: string[];
			constraint: string | undefined;
	  }
	| { kind: "foreign_key" }
	| { kind: "not_null"; column: string | undefined };

/**
 * Everything that differs between SQLite and PostgreSQL, in one place: column types,
 * value encodings, the few functions whose SQL differs, error codes, and what each
 * can do (`supportsRowLocks`, `canAlterColumns`, `keepsTransactionAfterError`). Code
 * outside core/db asks the dialect what it can do and never branches on its name
 * (docs/architecture.md, "Drivers and dialects").
 */
export interface SqlDialect {
	readonly name: "sqlite" | "postgres";
	/** The database's name as OpenTelemetry's `db.system.name` says it. */
	readonly systemName: "sqlite" | "postgresql";
	/** The column type for a storage kind, as written in CREATE TABLE. */
	columnType(kind: StorageKind): string;
	/** Turns a JS value into the parameter the driver stores for this kind. */
	encode(kind: StorageKind, value: unknown): unknown;
	/** Turns what the driver returned into the JS value of this kind. */
	decode(kind: StorageKind, value: unknown): unknown;
	/** `expr` contains `needle` ignoring case; `%`, `_` and `\` in the needle match themselves. */
	containsInsensitive(
		expr: RawBuilder<unknown>,
		needle: string,
	): RawBuilder<SqlBool>;
	/** Casts any scalar expression to text, for `~` on non-text columns. */
	castToText(expr: RawBuilder<unknown>): RawBuilder<string>;
	/**
	 * A FROM item with one text column `<alias>.value` holding each element of a JSON
	 * array column, for comparisons on multi-value fields. It may refer to columns of
	 * earlier FROM items (both dialects treat table functions as lateral).
	 */
	jsonArrayElements(
		column: RawBuilder<unknown>,
		alias: string,
	): RawBuilder<unknown>;
	/**
	 * What follows ASC or DESC in ORDER BY on a nullable column so that both dialects put
	 * NULL first in ascending order and last in descending order (SQLite's default).
	 */
	nullsOrder(direction: "asc" | "desc"): RawBuilder<unknown>;
	/** SQL that is true when `a` and `b` differ, treating NULL as a value (`!=`). */
	isDistinct(
		a: RawBuilder<unknown>,
		b: RawBuilder<unknown>,
	): RawBuilder<SqlBool>;
	/** Number of elements of a JSON array column (0 for NULL). */
	jsonArrayLength(column: RawBuilder<unknown>): RawBuilder<number>;
	/** A JSON array column without the given values (for cleaning up deleted relations). */
	jsonArrayWithout(
		column: RawBuilder<unknown>,
		values: string[],
	): RawBuilder<unknown>;
	/** Seconds since 1970 (a whole number) of a timestamp column, for time buckets. */
	epochSeconds(column: RawBuilder<unknown>): RawBuilder<number>;
	/** Whether `SELECT ... FOR UPDATE` exists (SQLite serializes writers instead). */
	readonly supportsRowLocks: boolean;
	/** Reads a constraint violation out of a driver error, or undefined for other errors. */
	classifyError(err: unknown): ConstraintFailure | undefined;
	/**
	 * Whether a driver error says a table or column does not exist: what a statement
	 * meets when another node changed the schema and this one has not loaded it yet.
	 */
	isSchemaMiss(err: unknown): boolean;
	/** Whether ALTER TABLE can change a column's type or constraints in place. */
	readonly canAlterColumns: boolean;
	/**
	 * Whether a transaction goes on after one of its statements failed. SQLite undoes
	 * the failed statement alone; PostgreSQL aborts the whole transaction, so a write
	 * that may fail and be recovered from needs a savepoint there.
	 */
	readonly keepsTransactionAfterError: boolean;
	/**
	 * A number compared with a column of any numeric type. A bound parameter takes
	 * the column's type on PostgreSQL, so 1.5 or 2^40 against an integer column
	 * (status in the request log) is refused there: such a number is cast instead
	 * (the column is compared as double precision), while a whole number in the
	 * integer range stays a plain parameter and keeps the column's index usable.
	 */
	numberParam(value: number): RawBuilder<unknown>;
	/** A one-element JSON array of a scalar column (NULL or '' stay NULL). */
	jsonArrayOf(column: RawBuilder<unknown>): RawBuilder<unknown>;
	/** The first element of a JSON array column, as text. */
	firstJsonArrayElement(column: RawBuilder<unknown>): RawBuilder<unknown>;
	/**
	 * A stored value as the text the API shows for it: timestamps as ISO 8601 with
	 * milliseconds and `Z`, whole numbers without `.0`.
	 */
	valueAsText(
		column: RawBuilder<unknown>,
		kind: StorageKind,
	): RawBuilder<string>;
}
