import { parseDateTime } from "../../tools/time/index.js";
import type { ValueType } from "./field-kind.js";

const NUMERIC = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Converts a literal or request value to the type of the field it is compared with,
 * or returns undefined when it cannot be one (the compiler then answers 400 instead of
 * letting the database fail or compare text with numbers).
 */
export function coerceValue(value: unknown, type: ValueType): unknown {
	if (value === null) return null;
	// PostgreSQL text cannot hold NUL; no stored value contains one (writes refuse it).
	if (typeof value === "string" && value.includes("\u0000")) return undefined;
	switch (type) {
		case "text":
			if (typeof value === "string") return value;
			if (typeof value === "number" || typeof value === "boolean")
				return String(value);
			return undefined;
		case "number":
			if (typeof value === "number") return value;
			if (typeof value === "string" && NUMERIC.test(value))
				return Number(value);
			return undefined;
		case "bool":
			if (typeof value === "boolean") return value;
			if (value === "true" || value === 1) return true;
			if (value === "false" || value === 0) return false;
			return undefined;
		case "date":
			return typeof value === "string" ? parseDateTime(value) : undefined;
		default:
			return undefined;
	}
}

/** Describes a value for an error message, without echoing long input back. */
export function describeValue(value: unknown): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
