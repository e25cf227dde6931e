import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The `db` queue driver's table (docs/jobs.md#drivers): one row per job, kept after it
 * ends.
 */
export function jobsTable(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_jobs")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("queue", "text", (c) => c.notNull())
				.addColumn("name", "text", (c) => c.notNull())
				.addColumn("payload", t("json"), (c) => c.notNull())
				.addColumn("status", "text", (c) => c.notNull())
				.addColumn("priority", "integer", (c) => c.notNull())
				.addColumn("attempts", "integer", (c) => c.notNull())
				.addColumn("max_attempts", "integer", (c) => c.notNull())
				.addColumn("run_at", t("timestamp"), (c) => c.notNull())
				.addColumn("locked_by", "text")
				.addColumn("locked_until", t("timestamp"))
				.addColumn("progress", t("json"))
				.addColumn("result", t("json"))
				.addColumn("last_error", "text")
				.addColumn("unique_key", "text")
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("started", t("timestamp"))
				.addColumn("finished", t("timestamp"))
				.execute();
			// The claim query: the next due jobs of a queue, highest priority first.
			await db.schema
				.createIndex("_jobs_claim_idx")
				.on("_jobs")
				.columns(["queue", "status", "priority desc", "run_at"])
				.execute();
			// A unique key holds only while its job is pending: once it ends, the key is free.
			await sql`CREATE UNIQUE INDEX _jobs_unique_key_idx ON _jobs (unique_key) WHERE status IN ('waiting', 'running')`.execute(
				db,
			);
			await db.schema
				.createIndex("_jobs_finished_idx")
				.on("_jobs")
				.columns(["status", "finished"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_jobs").execute();
		},
	};
}
