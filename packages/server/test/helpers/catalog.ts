import { sql } from "kysely";
import type { TestApp } from "./test-app.js";

/** An index as the database catalog describes it. */
export interface CatalogIndex {
	name: string;
	unique: boolean;
	columns: string[];
}

/** A foreign key as the database catalog describes it. */
export interface CatalogForeignKey {
	column: string;
	table: string;
	onDelete: string;
}

/** Reads a table's columns and their declared types (upper case) from the catalog. */
export async function columnTypes(
	t: TestApp,
	table: string,
): Promise<Record<string, string>> {
	const db = t.app.db.kysely;
	const { rows } =
		t.dialect === "sqlite"
			? await sql<{
					name: string;
					type: string;
				}>`PRAGMA table_info(${sql.lit(table)})`.execute(db)
			: await sql<{
					name: string;
					type: string;
				}>`SELECT column_name AS name, data_type AS type FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = ${table}`.execute(
					db,
				);
	return Object.fromEntries(rows.map((r) => [r.name, r.type.toUpperCase()]));
}

/** Reads the indexes a table has, leaving out the primary key's. */
export async function tableIndexes(
	t: TestApp,
	table: string,
): Promise<CatalogIndex[]> {
	const db = t.app.db.kysely;
	if (t.dialect === "sqlite") {
		const { rows } = await sql<{
			name: string;
			unique: number;
			origin: string;
		}>`PRAGMA index_list(${sql.lit(table)})`.execute(db);
		const out: CatalogIndex[] = [];
		for (const row of rows.filter((r) => r.origin === "c")) {
			const info = await sql<{
				seqno: number;
				name: string;
			}>`PRAGMA index_info(${sql.lit(row.name)})`.execute(db);
			const columns = [...info.rows]
				.sort((a, b) => a.seqno - b.seqno)
				.map((c) => c.name);
			out.push({ name: row.name, unique: row.unique === 1, columns });
		}
		return out.sort((a, b) => a.name.localeCompare(b.name));
	}
	const { rows } = await sql<{
		indexname: string;
		indexdef: string;
	}>`SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = ${table}`.execute(db);
	return rows
		.filter((r) => !r.indexname.endsWith("_pkey"))
		.map((r) => ({
			name: r.indexname,
			unique: r.indexdef.startsWith("CREATE UNIQUE INDEX"),
			columns: (/\(([^()]*)\)$/.exec(r.indexdef)?.[1] ?? "")
				.split(", ")
				.map((c) => c.replaceAll('"', "")),
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

const PG_ACTIONS: Record<string, string> = {
	a: "NO ACTION",
	r: "RESTRICT",
	c: "CASCADE",
	n: "SET NULL",
	d: "SET DEFAULT",
};

/** Reads the foreign keys of a table, by column. */
export async function foreignKeys(
	t: TestApp,
	table: string,
): Promise<CatalogForeignKey[]> {
	const db = t.app.db.kysely;
	if (t.dialect === "sqlite") {
		const { rows } = await sql<{
			from: string;
			table: string;
			on_delete: string;
		}>`PRAGMA foreign_key_list(${sql.lit(table)})`.execute(db);
		return rows
			.map((r) => ({ column: r.from, table: r.table, onDelete: r.on_delete }))
			.sort((a, b) => a.column.localeCompare(b.column));
	}
	const { rows } = await sql<{
		column: string;
		target: string;
		action: string;
	}>`SELECT a.attname AS column, ft.relname AS target, c.confdeltype AS action
		FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_class ft ON ft.oid = c.confrelid
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND t.relname = ${table}
		AND t.relnamespace = current_schema()::regnamespace`.execute(db);
	return rows
		.map((r) => ({
			column: r.column,
			table: r.target,
			onDelete: PG_ACTIONS[r.action] ?? r.action,
		}))
		.sort((a, b) => a.column.localeCompare(b.column));
}

/** Tells whether a table exists. */
export async function hasTable(t: TestApp, table: string): Promise<boolean> {
	const db = t.app.db.kysely;
	const { rows } =
		t.dialect === "sqlite"
			? await sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${table}`.execute(
					db,
				)
			: await sql`SELECT table_name FROM information_schema.tables
				WHERE table_schema = current_schema() AND table_name = ${table}`.execute(
					db,
				);
	return rows.length > 0;
}
