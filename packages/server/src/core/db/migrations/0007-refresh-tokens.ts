import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * Refresh tokens (docs/auth.md#refresh-tokens): stored as SHA-256 hashes, single use. A
 * family is one sign-in and every token rotated from it; reusing a spent token revokes
 * the family.
 */
export function refreshTokensTable(dialect: SqlDialect) {
	const ts = sql.raw(dialect.columnType("timestamp"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_refresh_tokens")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("family_id", "text", (c) => c.notNull())
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("record_id", "text", (c) => c.notNull())
				.addColumn("token_hash", "text", (c) => c.notNull().unique())
				// The account's token-key fingerprint when issued: a new password ends it.
				.addColumn("tkh", "text", (c) => c.notNull())
				.addColumn("created", ts, (c) => c.notNull())
				.addColumn("expires", ts, (c) => c.notNull())
				.addColumn("used_at", ts)
				.addColumn("revoked_at", ts)
				.execute();
			await db.schema
				.createIndex("_refresh_tokens_family_idx")
				.on("_refresh_tokens")
				.column("family_id")
				.execute();
			await db.schema
				.createIndex("_refresh_tokens_expires_idx")
				.on("_refresh_tokens")
				.column("expires")
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_refresh_tokens").execute();
		},
	};
}
