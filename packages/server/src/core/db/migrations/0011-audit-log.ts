import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The audit trail (docs/operations.md#audit-trail): who did what security-relevant
 * thing, when, from where. Append only; details never hold secrets.
 */
export function auditLogTable(dialect: SqlDialect) {
	const ts = sql.raw(dialect.columnType("timestamp"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_audit_log")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("created", ts, (c) => c.notNull())
				.addColumn("action", "text", (c) => c.notNull())
				// guest | superuser | record | system
				.addColumn("actor_kind", "text", (c) => c.notNull())
				.addColumn("actor_id", "text")
				.addColumn("collection", "text")
				.addColumn("record_id", "text")
				.addColumn("ip", "text")
				.addColumn("details", "text")
				.execute();
			await db.schema
				.createIndex("_audit_log_created_idx")
				.on("_audit_log")
				.column("created")
				.execute();
			await db.schema
				.createIndex("_audit_log_action_idx")
				.on("_audit_log")
				.columns(["action", "created"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_audit_log").execute();
		},
	};
}
