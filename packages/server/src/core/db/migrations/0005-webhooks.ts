import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * Webhooks (docs/webhooks.md): the subscriptions, and one row per delivery so every
 * attempt's outcome can be listed and redelivered. Deleting a webhook deletes its
 * deliveries; a delivery's job stays in the queue's own table.
 */
export function webhooksTables(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_webhooks")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("url", "text", (c) => c.notNull())
				.addColumn("events", t("json"), (c) => c.notNull())
				// Sealed with the master key (tools/crypto sealed-box), never stored in clear.
				.addColumn("secret", "text", (c) => c.notNull())
				.addColumn("active", t("boolean"), (c) => c.notNull())
				.addColumn("consecutive_failures", "integer", (c) => c.notNull())
				.addColumn("paused_reason", "text")
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createTable("_webhook_deliveries")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("webhook_id", "text", (c) =>
					c.notNull().references("_webhooks.id").onDelete("cascade"),
				)
				.addColumn("event", "text", (c) => c.notNull())
				.addColumn("payload", t("json"), (c) => c.notNull())
				.addColumn("status", "text", (c) => c.notNull())
				.addColumn("attempts", "integer", (c) => c.notNull())
				.addColumn("response_status", "integer")
				.addColumn("latency_ms", "integer")
				.addColumn("error", "text")
				.addColumn("job_id", "text")
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("delivered", t("timestamp"))
				.execute();
			// GET /api/v1/webhooks/{id}/deliveries: one webhook's deliveries, newest first.
			await db.schema
				.createIndex("_webhook_deliveries_webhook_idx")
				.on("_webhook_deliveries")
				.columns(["webhook_id", "created"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_webhook_deliveries").execute();
			await db.schema.dropTable("_webhooks").execute();
		},
	};
}
