import type { ComparisonOperator } from "../../tools/filter/index.js";
import { foldCase } from "../db/index.js";

/**
 * Evaluates a comparison of two values known before the query runs, such as
 * `@request.auth.id != ""`. PostgreSQL cannot type a comparison of two bare
 * parameters, and a constant needs no database anyway. Semantics follow the SQL the
 * compiler emits for columns: different types never compare equal.
 */
export function foldComparison(
	operator: ComparisonOperator,
	anyOf: boolean,
	left: unknown,
	right: unknown,
): boolean {
	if (anyOf && Array.isArray(left))
		return left.some((item) => foldComparison(operator, false, item, right));
	switch (operator) {
		case "=":
			return valuesEqual(left, right);
		case "!=":
			return !valuesEqual(left, right);
		case "~":
			return contains(left, right);
		case "!~":
			return !contains(left, right);
		default:
			return ordered(operator, left, right);
	}
}

/** Tells whether a value counts as empty for `= ""` and `= null`. */
export function isEmptyValue(value: unknown): boolean {
	return (
		value === null ||
		value === undefined ||
		value === "" ||
		(Array.isArray(value) && value.length === 0)
	);
}

function valuesEqual(a: unknown, b: unknown): boolean {
	if (a === undefined) a = null;
	if (b === undefined) b = null;
	return a === b;
}

function contains(haystack: unknown, needle: unknown): boolean {
	if (
		haystack === null ||
		haystack === undefined ||
		needle === null ||
		needle === undefined
	)
		return false;
	return foldCase(String(haystack)).includes(foldCase(String(needle)));
}

function ordered(
	operator: ComparisonOperator,
	a: unknown,
	b: unknown,
): boolean {
	const comparable =
		(typeof a === "number" && typeof b === "number") ||
		(typeof a === "string" && typeof b === "string");
	if (!comparable) return false;
	const x = a as number | string;
	const y = b as number | string;
	if (operator === ">") return x > y;
	if (operator === ">=") return x >= y;
	if (operator === "<") return x < y;
	return x <= y;
}
