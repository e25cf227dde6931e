import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * When a job's message last went to RabbitMQ (docs/jobs.md#rabbitmq): the rabbitmq
 * driver keeps each job's state in `_jobs` and sends RabbitMQ only "this job is due";
 * a row that is due and has no `published_at` is waiting for its message. The db and
 * bullmq drivers leave it null. The partial index holds only the rows without a
 * message, so the relay finds them without reading the jobs that already ran or got
 * one; it leads with status so that SQLite, which keeps no statistics here, prefers it
 * to the (status, finished) index for the relay's query.
 */
export function jobDispatchColumn(dialect: SqlDialect) {
	const timestamp = sql.raw(dialect.columnType("timestamp"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.alterTable("_jobs")
				.addColumn("published_at", timestamp)
				.execute();
			await sql`CREATE INDEX _jobs_unpublished_idx ON _jobs (status, run_at) WHERE published_at IS NULL`.execute(
				db,
			);
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await sql`DROP INDEX _jobs_unpublished_idx`.execute(db);
			await db.schema.alterTable("_jobs").dropColumn("published_at").execute();
		},
	};
}
