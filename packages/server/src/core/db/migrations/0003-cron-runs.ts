import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * One row per cron run that was started: with several processes each firing the same
 * schedule, only the one whose insert wins enqueues the run's job.
 */
export function cronRunsTable(dialect: SqlDialect) {
	const ts = sql.raw(dialect.columnType("timestamp"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_cron_runs")
				.addColumn("name", "text", (c) => c.notNull())
				.addColumn("scheduled_at", ts, (c) => c.notNull())
				.addColumn("job_id", "text")
				.addColumn("created", ts, (c) => c.notNull())
				.addPrimaryKeyConstraint("_cron_runs_pk", ["name", "scheduled_at"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_cron_runs").execute();
		},
	};
}
