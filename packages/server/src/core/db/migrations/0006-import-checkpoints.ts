import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * Where a running import stands: written in the same transaction as each batch of
 * rows, so an import killed mid-way resumes after its last committed batch and never
 * inserts a row twice.
 */
export function importCheckpointsTable(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_import_checkpoints")
				.addColumn("job_id", "text", (c) => c.primaryKey())
				.addColumn("line", "integer", (c) => c.notNull())
				.addColumn("imported", "integer", (c) => c.notNull())
				.addColumn("failed", "integer", (c) => c.notNull())
				.addColumn("errors", t("json"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_import_checkpoints").execute();
		},
	};
}
