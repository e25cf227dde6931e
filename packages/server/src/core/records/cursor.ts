import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { SqlDialect } from "../db/index.js";
import { AppError } from "../errors/index.js";
import { coerceValue } from "../query/index.js";
import type { RecordData } from "./record-codec.js";
import { type SortColumn, sortSignature } from "./sort-order.js";

interface CursorBody {
	/** The sort it belongs to. */
	s: string;
	/** The last row's values of each sort column. */
	v: unknown[];
}

/** Makes the opaque cursor that continues a walk after `last`. */
export function encodeCursor(columns: SortColumn[], last: RecordData): string {
	const body: CursorBody = {
		s: sortSignature(columns),
		v: columns.map((c) => last[c.name] ?? null),
	};
	return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/**
 * Reads a cursor back into one value per sort column, checking each against the
 * column's type: a cursor is client input, and a value of the wrong type must be a
 * 400 here rather than a type error in the database.
 */
export function decodeCursor(cursor: string, columns: SortColumn[]): unknown[] {
	let body: CursorBody;
	try {
		body = JSON.parse(
			Buffer.from(cursor, "base64url").toString("utf8"),
		) as CursorBody;
	} catch {
		throw invalidCursor("it is not a cursor this server made");
	}
	if (
		typeof body !== "object" ||
		body === null ||
		!Array.isArray(body.v) ||
		body.v.length !== columns.length
	) {
		throw invalidCursor("it is not a cursor this server made");
	}
	if (body.s !== sortSignature(columns))
		throw invalidCursor("it was made for another sort order");
	return columns.map((column, i) => {
		const raw = body.v[i];
		if (raw === null) {
			if (!column.nullable) throw invalidCursor("it holds an impossible value");
			return null;
		}
		const value = coerceValue(raw, column.type);
		if (value === undefined || value === null)
			throw invalidCursor("it holds a value of the wrong type");
		return value;
	});
}

function invalidCursor(reason: string): AppError {
	return new AppError("INVALID_CURSOR", {
		detail: `The cursor is invalid: ${reason}.`,
	});
}

/**
 * The keyset condition "comes after the cursor row" for an order of any directions,
 * with NULL first when ascending and last when descending (as orderByTerms sorts).
 */
export function afterCursor(
	columns: SortColumn[],
	values: unknown[],
	alias: string,
	dialect: SqlDialect,
) {
	const alternatives: RawBuilder<SqlBool>[] = [];
	for (let i = 0; i < columns.length; i++) {
		const ties = columns
			.slice(0, i)
			.map((c, j) => equalTo(c, values[j], alias, dialect));
		const beyond = strictlyAfter(
			columns[i] as SortColumn,
			values[i],
			alias,
			dialect,
		);
		if (beyond)
			alternatives.push(
				sql.join([...ties, beyond], sql` AND `) as RawBuilder<SqlBool>,
			);
	}
	if (alternatives.length === 0) return sql<SqlBool>`1 = 0`;
	return sql<SqlBool>`(${sql.join(
		alternatives.map((a) => sql`(${a})`),
		sql` OR `,
	)})`;
}

function param(
	column: SortColumn,
	value: unknown,
	dialect: SqlDialect,
): unknown {
	return column.type === "bool" ? dialect.encode("boolean", value) : value;
}

function equalTo(
	column: SortColumn,
	value: unknown,
	alias: string,
	dialect: SqlDialect,
) {
	const ref = sql.ref(`${alias}.${column.name}`);
	return value === null
		? sql<SqlBool>`${ref} IS NULL`
		: sql<SqlBool>`${ref} = ${param(column, value, dialect)}`;
}

function strictlyAfter(
	column: SortColumn,
	value: unknown,
	alias: string,
	dialect: SqlDialect,
) {
	const ref = sql.ref(`${alias}.${column.name}`);
	const v = param(column, value, dialect);
	if (column.direction === "asc") {
		return value === null
			? sql<SqlBool>`${ref} IS NOT NULL`
			: sql<SqlBool>`${ref} > ${v}`;
	}
	if (value === null) return undefined; // nothing sorts after NULL when descending
	return column.nullable
		? sql<SqlBool>`(${ref} < ${v} OR ${ref} IS NULL)`
		: sql<SqlBool>`${ref} < ${v}`;
}
