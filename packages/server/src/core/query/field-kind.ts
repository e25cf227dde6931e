import type { Field } from "../model/index.js";

/**
 * The type of a value for comparisons: a field's type, or a system column's. `id` and
 * relation values compare as text.
 */
export type ValueType = "text" | "number" | "bool" | "date" | "json";

/** The comparison type of a field. */
export function valueTypeOf(field: Field): ValueType {
	switch (field.type) {
		case "number":
			return "number";
		case "bool":
			return "bool";
		case "date":
			return "date";
		case "json":
			return "json";
		default:
			return "text";
	}
}

/** The comparison type of a system column, or undefined if the name is not one. */
export function systemColumnType(name: string): ValueType | undefined {
	if (name === "id") return "text";
	if (name === "created" || name === "updated") return "date";
	return undefined;
}

/**
 * The comparison type of an account column of an auth collection (`email`,
 * `verified`), or undefined. The password hash and token key are not columns a
 * filter, rule or sort can name.
 */
export function accountColumnType(
	collection: { type: string },
	name: string,
): ValueType | undefined {
	if (collection.type !== "auth") return undefined;
	if (name === "email") return "text";
	if (name === "verified") return "bool";
	return undefined;
}
