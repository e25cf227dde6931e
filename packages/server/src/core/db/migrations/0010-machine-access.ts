import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * Machine access (docs/auth.md#machine-access): API keys and OAuth2 clients. Neither
 * table holds a secret: only its SHA-256, which is all a 256-bit random secret needs
 * (nothing to brute-force, unlike a password), and which costs one hash to check.
 */
export function machineAccessTables(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_api_keys")
				// Also the lookup part of the key (`bsk_<id in hex>_<secret>`).
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("name", "text", (c) => c.notNull())
				.addColumn("secret_hash", "text", (c) => c.notNull())
				.addColumn("scopes", t("json"), (c) => c.notNull())
				// A collection id, or `_superusers`: ids survive a collection's rename.
				.addColumn("owner_collection", "text", (c) => c.notNull())
				.addColumn("owner_id", "text", (c) => c.notNull())
				// The owner's token-key fingerprint when made: a new password ends the key.
				.addColumn("tkh", "text", (c) => c.notNull())
				.addColumn("expires_at", t("timestamp"))
				.addColumn("last_used_at", t("timestamp"))
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.execute();
			// GET /api/v1/api-keys lists one owner's keys, oldest first.
			await db.schema
				.createIndex("_api_keys_owner_idx")
				.on("_api_keys")
				.columns(["owner_collection", "owner_id", "id"])
				.execute();
			await db.schema
				.createTable("_oauth_clients")
				// The client_id.
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("name", "text", (c) => c.notNull())
				.addColumn("secret_hash", "text", (c) => c.notNull())
				.addColumn("scopes", t("json"), (c) => c.notNull())
				// Its fingerprint is in every token: a new key (new secret) ends them all.
				.addColumn("token_key", "text", (c) => c.notNull())
				.addColumn("active", t("boolean"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_oauth_clients").execute();
			await db.schema.dropTable("_api_keys").execute();
		},
	};
}
