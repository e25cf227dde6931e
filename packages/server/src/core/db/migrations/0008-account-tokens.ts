import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * One-time tokens of the account email flows (docs/auth.md#email-flows): verification,
 * password reset and email change. Stored as SHA-256 hashes; each is spent once, before
 * it expires, and only while the account's token key is the one it was issued under.
 */
export function accountTokensTable(dialect: SqlDialect) {
	const ts = sql.raw(dialect.columnType("timestamp"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_account_tokens")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("purpose", "text", (c) => c.notNull())
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("record_id", "text", (c) => c.notNull())
				.addColumn("token_hash", "text", (c) => c.notNull().unique())
				// The account's token-key fingerprint when issued: a new password ends it.
				.addColumn("tkh", "text", (c) => c.notNull())
				// The address an email-change token moves the account to.
				.addColumn("new_email", "text")
				.addColumn("created", ts, (c) => c.notNull())
				.addColumn("expires", ts, (c) => c.notNull())
				.addColumn("used_at", ts)
				.execute();
			await db.schema
				.createIndex("_account_tokens_expires_idx")
				.on("_account_tokens")
				.column("expires")
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_account_tokens").execute();
		},
	};
}
