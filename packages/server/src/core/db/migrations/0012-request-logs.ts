import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The request log in the database (docs/operations.md#the-request-log-table): one row
 * per sampled request (every error), written in batches off the request path, purged
 * after BASALT_LOG_RETENTION_DAYS. Holds no bodies, headers or secrets.
 */
export function requestLogsTable(dialect: SqlDialect) {
	const ts = sql.raw(dialect.columnType("timestamp"));
	const real = sql.raw(dialect.columnType("real"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_request_logs")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("created", ts, (c) => c.notNull())
				.addColumn("method", "text", (c) => c.notNull())
				.addColumn("route", "text", (c) => c.notNull())
				.addColumn("status", "integer", (c) => c.notNull())
				.addColumn("duration_ms", real, (c) => c.notNull())
				// guest | superuser | record
				.addColumn("caller_kind", "text", (c) => c.notNull())
				.addColumn("caller_id", "text")
				.addColumn("ip", "text")
				.addColumn("user_agent", "text")
				.addColumn("request_id", "text")
				// How many requests the row stands for: 1/BASALT_REQUEST_LOG_SAMPLE, 1 for 5xx.
				.addColumn("weight", real, (c) => c.notNull().defaultTo(1))
				.execute();
			// Time ranges (lists, stats, the retention purge) and error lookups.
			await db.schema
				.createIndex("_request_logs_created_idx")
				.on("_request_logs")
				.column("created")
				.execute();
			await db.schema
				.createIndex("_request_logs_status_idx")
				.on("_request_logs")
				.columns(["status", "created"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_request_logs").execute();
		},
	};
}
