import type { StorageKind } from "../db/index.js";
import { type Field, isMultiValue } from "../model/index.js";

/** What a field becomes in the table: a column of some kind, maybe a foreign key. */
export interface ColumnShape {
	kind: StorageKind;
	foreignKey:
		| { table: string; onDelete: "cascade" | "set null" | "restrict" }
		| undefined;
}

/**
 * Maps a field to its column. Lists (multi select, multi relation) are JSON arrays; a
 * single relation is a text column with a real foreign key, so the database itself
 * keeps it pointing at a record.
 */
export function columnShape(field: Field): ColumnShape {
	if (isMultiValue(field)) return { kind: "json", foreignKey: undefined };
	switch (field.type) {
		case "number":
			return { kind: "real", foreignKey: undefined };
		case "bool":
			return { kind: "boolean", foreignKey: undefined };
		case "date":
			return { kind: "timestamp", foreignKey: undefined };
		case "json":
			return { kind: "json", foreignKey: undefined };
		case "relation": {
			// A required relation cannot be emptied by its target's deletion: refuse that delete.
			const onDelete = field.cascadeDelete
				? "cascade"
				: field.required
					? "restrict"
					: "set null";
			return {
				kind: "text",
				foreignKey: { table: field.collection, onDelete },
			};
		}
		default:
			return { kind: "text", foreignKey: undefined };
	}
}

/** Tells whether two fields need the same column (so a change needs no column rewrite). */
export function sameColumnShape(a: Field, b: Field): boolean {
	const x = columnShape(a);
	const y = columnShape(b);
	return (
		x.kind === y.kind &&
		x.foreignKey?.table === y.foreignKey?.table &&
		x.foreignKey?.onDelete === y.foreignKey?.onDelete
	);
}
