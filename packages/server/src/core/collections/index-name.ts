import { createHash } from "node:crypto";

/**
 * Names an index after its table and columns, within PostgreSQL's 63-byte limit.
 * Index names share one namespace per database schema, hence the table prefix; a
 * short hash keeps long or colliding names unique.
 */
export function indexName(
	table: string,
	fields: string[],
	unique: boolean,
): string {
	const base =
		`${table}_${fields.join("_")}_${unique ? "key" : "idx"}`.toLowerCase();
	if (base.length <= 63) return base;
	const hash = createHash("sha256").update(base).digest("hex").slice(0, 8);
	return `${base.slice(0, 63 - 9)}_${hash}`;
}
