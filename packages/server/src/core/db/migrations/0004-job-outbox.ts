import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The `bullmq` queue driver's transactional outbox (docs/jobs.md#drivers): a job
 * enqueued inside a database transaction is a row here, committed or rolled back with
 * the caller's write, until the driver's relay has moved it to Redis. Rows are deleted
 * once relayed, so the table stays small; the primary key (a UUIDv7) is the relay's
 * oldest-first order.
 */
export function jobOutboxTable(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_job_outbox")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("queue", "text", (c) => c.notNull())
				.addColumn("name", "text", (c) => c.notNull())
				.addColumn("payload", t("json"), (c) => c.notNull())
				.addColumn("options", t("json"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_job_outbox").execute();
		},
	};
}
