import type { Collection, Field } from "../model/index.js";
import { findField, isMultiValue } from "../model/index.js";

/** Members of exported records that the server sets: an import ignores them. */
const SERVER_SET = new Set(["created", "updated", "expand"]);

/**
 * Turns one CSV row (every value a string) into the body a create would get, by the
 * types of the collection's fields: numbers, booleans (true/false/1/0), JSON, lists
 * (a JSON list, or comma-separated), and empty cells as "no value". Values that do
 * not convert are passed on unchanged, so the records validator names the problem
 * exactly as the API would. NDJSON rows are already typed and only lose the
 * server-set members.
 */
export function toRecordBody(
	collection: Collection,
	row: Record<string, unknown>,
	fromCsv: boolean,
): Record<string, unknown> {
	const body: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(row)) {
		if (SERVER_SET.has(name)) continue;
		const field = findField(collection, name);
		body[name] =
			fromCsv && field && typeof value === "string"
				? fromCell(field, value)
				: value;
	}
	return body;
}

function fromCell(field: Field, cell: string): unknown {
	if (isMultiValue(field)) return listOf(cell);
	if (cell === "") return field.type === "text" ? "" : null;
	switch (field.type) {
		case "number": {
			const n = Number(cell);
			return cell.trim() !== "" && Number.isFinite(n) ? n : cell;
		}
		case "bool":
			if (["true", "1", "yes"].includes(cell.toLowerCase())) return true;
			if (["false", "0", "no"].includes(cell.toLowerCase())) return false;
			return cell;
		case "json":
			try {
				return JSON.parse(cell);
			} catch {
				return cell;
			}
		default:
			return cell;
	}
}

function listOf(cell: string): unknown {
	if (cell.trim() === "") return [];
	if (cell.trim().startsWith("[")) {
		try {
			return JSON.parse(cell);
		} catch {
			return cell;
		}
	}
	return cell.split(",").map((item) => item.trim());
}
