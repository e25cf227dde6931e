import type { Field } from "../collections/collection-definition.js";

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
