import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { ComparisonOperator } from "../../tools/filter/index.js";
import type { SqlDialect } from "../db/index.js";
import { coerceValue, describeValue } from "./coerce-value.js";
import type { ValueType } from "./field-kind.js";
import { invalidFilter } from "./filter-error.js";
import { foldComparison, isEmptyValue } from "./fold-constant.js";
import type { ScalarTerm, SetTerm } from "./resolve-path.js";

/** A value known at compile time: a literal, `@now` or an `@request.*` value. */
export interface ValueTerm {
	kind: "value";
	value: unknown;
	/** True for literals in the source, where `""` and `null` mean "empty". */
	literal: boolean;
	type: ValueType | undefined;
}

/** One resolved side of a comparison. */
export type Term = ValueTerm | ScalarTerm | SetTerm;

/** A comparison with both sides resolved. */
export interface Comparison {
	operator: ComparisonOperator;
	anyOf: boolean;
	left: Term;
	right: Term;
	pos: number;
}

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;
const MIRROR: Record<string, ComparisonOperator> = {
	">": "<",
	">=": "<=",
	"<": ">",
	"<=": ">=",
};
const NEGATED_OF: Partial<Record<ComparisonOperator, ComparisonOperator>> = {
	"!=": "=",
	"!~": "~",
};

/**
 * Compiles one comparison (docs/filters.md#operators). `!=` treats NULL as a value;
 * `= ""` and `= null` test for emptiness; on a multi-value side the `?` operators mean
 * "any value", a plain positive operator "every value, and at least one", and `!=`/`!~`
 * "no value".
 */
export function compileComparison(
	c: Comparison,
	dialect: SqlDialect,
): RawBuilder<SqlBool> {
	const { operator, left, right, pos } = c;
	const emptyLiteral = [left, right].find(
		(t) =>
			t.kind === "value" && t.literal && (t.value === null || t.value === ""),
	);
	if (emptyLiteral && (operator === "=" || operator === "!=")) {
		const other = emptyLiteral === right ? left : right;
		const empty = emptinessOf(other);
		return operator === "=" ? empty : sql<SqlBool>`NOT ${empty}`;
	}
	if (
		[left, right].some(
			(t) => t.kind === "value" && t.literal && t.value === null,
		)
	) {
		throw invalidFilter("null can only be compared with = or !=", pos);
	}
	const sealed = [left, right].find(
		(t): t is ScalarTerm | SetTerm =>
			t.kind !== "value" && t.sealed !== undefined,
	);
	if (sealed) return compileSealed(c, sealed, dialect);
	const bothValues = left.kind === "value" && right.kind === "value";
	if (bothValues)
		return foldComparison(operator, c.anyOf, left.value, right.value)
			? TRUE
			: FALSE;
	// A request value that is absent (null) contains nothing and matches nothing.
	if (
		(operator === "~" || operator === "!~") &&
		right.kind === "value" &&
		right.value === null
	) {
		return operator === "~" ? FALSE : TRUE;
	}
	if (
		left.kind === "value" ||
		(left.kind === "scalar" && right.kind === "set")
	) {
		if (operator === "~" || operator === "!~")
			throw invalidFilter(`"${operator}" needs a field on its left`, pos);
		return compileComparison(
			{
				...c,
				operator: MIRROR[operator] ?? operator,
				left: right,
				right: left,
			},
			dialect,
		);
	}
	const rightSql = operandSql(left, right, operator, pos, dialect);
	if (left.kind === "scalar") return compare(operator, left, rightSql, dialect);
	return compareSet(c, left, rightSql, dialect);
}

/**
 * Compares a searchable encrypted field (docs/security.md#encrypted-fields): only `=`
 * and `!=` with a value, which becomes its blind index, compared with the stored one.
 */
function compileSealed(
	c: Comparison,
	side: ScalarTerm | SetTerm,
	dialect: SqlDialect,
): RawBuilder<SqlBool> {
	const { field, digest } = side.sealed as NonNullable<typeof side.sealed>;
	const other = side === c.left ? c.right : c.left;
	if (c.operator !== "=" && c.operator !== "!=")
		throw invalidFilter(
			`"${c.operator}" cannot compare the encrypted field "${field}": only = and != can`,
			c.pos,
		);
	if (other.kind !== "value")
		throw invalidFilter(
			`the encrypted field "${field}" can only be compared with a value, not another field`,
			c.pos,
		);
	const { sealed: _, ...plain } = side;
	if (other.value === null)
		return compileComparison({ ...c, left: plain, right: other }, dialect);
	if (typeof other.value !== "string" && typeof other.value !== "number")
		throw invalidFilter(
			`cannot compare the encrypted field "${field}" with ${describeValue(other.value)}`,
			c.pos,
		);
	return compileComparison(
		{
			...c,
			left: plain,
			right: {
				kind: "value",
				value: digest(String(other.value)),
				literal: false,
				type: "text",
			},
		},
		dialect,
	);
}

function emptinessOf(term: Term): RawBuilder<SqlBool> {
	if (term.kind === "value") return isEmptyValue(term.value) ? TRUE : FALSE;
	if (term.kind === "scalar") {
		return term.type === "text"
			? sql<SqlBool>`(${term.expr} IS NULL OR ${term.expr} = '')`
			: sql<SqlBool>`(${term.expr} IS NULL)`;
	}
	// Only text compares with '': PostgreSQL refuses '' as a date, number or JSON.
	const present =
		term.type === "text"
			? sql<SqlBool>`${term.value} IS NOT NULL AND ${term.value} <> ''`
			: sql<SqlBool>`${term.value} IS NOT NULL`;
	return sql<SqlBool>`NOT EXISTS (SELECT 1 FROM ${term.from} WHERE ${term.where} AND ${present})`;
}

/** The right side as SQL: a bound, type-checked parameter or another column. */
function operandSql(
	left: ScalarTerm | SetTerm,
	right: Term,
	op: ComparisonOperator,
	pos: number,
	dialect: SqlDialect,
) {
	if (op === "~" || op === "!~") {
		if (
			right.kind !== "value" ||
			(typeof right.value !== "string" && typeof right.value !== "number")
		) {
			throw invalidFilter(
				`"${op}" needs a text or number value on its right`,
				pos,
			);
		}
		// Numbers, dates and JSON have a different text form on each database ("3.0"
		// or "3", ISO or "2026-01-01 00:00:00+00"): "contains" would answer differently.
		if (left.type !== "text")
			throw invalidFilter(
				`"${op}" applies to text fields only, not ${left.type} fields`,
				pos,
			);
		if (String(right.value).includes("\u0000"))
			throw invalidFilter("text must not contain NUL characters", pos);
		return { needle: String(right.value) };
	}
	if (left.type === "json")
		throw invalidFilter(
			'json fields can only be compared with null or ""',
			pos,
		);
	if (right.kind === "value") {
		const value = coerceValue(right.value, left.type);
		if (value === undefined) {
			throw invalidFilter(
				`cannot compare a ${left.type} field with ${describeValue(right.value)}`,
				pos,
			);
		}
		if (left.type === "number")
			return { expr: dialect.numberParam(value as number) };
		const encoded =
			left.type === "bool" ? dialect.encode("boolean", value) : value;
		return { expr: sql`${encoded}` };
	}
	if (right.type !== left.type)
		throw invalidFilter(
			`cannot compare a ${left.type} field with a ${right.type} field`,
			pos,
		);
	return right.kind === "scalar" ? { expr: right.expr } : { set: right };
}

type RightSql =
	| { needle: string }
	| { expr: RawBuilder<unknown> }
	| { set: SetTerm };

function compare(
	op: ComparisonOperator,
	left: ScalarTerm,
	right: RightSql,
	dialect: SqlDialect,
): RawBuilder<SqlBool> {
	if ("set" in right)
		throw new Error("unreachable: sets are moved to the left");
	if ("needle" in right) {
		const contains = dialect.containsInsensitive(left.expr, right.needle);
		return op === "~"
			? contains
			: sql<SqlBool>`(${left.expr} IS NULL OR NOT ${contains})`;
	}
	const b = right.expr;
	switch (op) {
		case "=":
			return sql<SqlBool>`${left.expr} = ${b}`;
		case "!=":
			return dialect.isDistinct(left.expr, b);
		default:
			return sql<SqlBool>`${left.expr} ${sql.raw(op)} ${b}`;
	}
}

function compareSet(
	c: Comparison,
	left: SetTerm,
	right: RightSql,
	dialect: SqlDialect,
): RawBuilder<SqlBool> {
	const element: ScalarTerm = {
		kind: "scalar",
		expr: left.value,
		type: left.type,
		isColumn: false,
	};
	const matching = (op: ComparisonOperator) => {
		if (!("set" in right)) return compare(op, element, right, dialect);
		const other: ScalarTerm = {
			kind: "scalar",
			expr: right.set.value,
			type: right.set.type,
			isColumn: false,
		};
		return sql<SqlBool>`EXISTS (SELECT 1 FROM ${right.set.from} WHERE ${right.set.where} AND ${compare(op, element, { expr: other.expr }, dialect)})`;
	};
	const exists = (cond: RawBuilder<SqlBool>) =>
		sql<SqlBool>`EXISTS (SELECT 1 FROM ${left.from} WHERE ${left.where} AND ${cond})`;
	if (c.anyOf) return exists(matching(c.operator));
	const positive = NEGATED_OF[c.operator];
	if (positive) return sql<SqlBool>`NOT ${exists(matching(positive))}`;
	const violating = sql<SqlBool>`(${matching(c.operator)}) IS NOT TRUE`;
	return sql<SqlBool>`(${exists(TRUE)} AND NOT ${exists(violating)})`;
}
