import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The first system tables: superusers, the collection registry and its change history,
 * the signing key ring and stored idempotent answers.
 */
export function systemTables(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_superusers")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("email", "text", (c) => c.notNull().unique())
				.addColumn("password_hash", "text", (c) => c.notNull())
				.addColumn("token_key", "text", (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createTable("_collections")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("name", "text", (c) => c.notNull().unique())
				.addColumn("type", "text", (c) => c.notNull())
				.addColumn("definition", t("json"), (c) => c.notNull())
				.addColumn("version", "integer", (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createTable("_collection_history")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("collection_name", "text", (c) => c.notNull())
				.addColumn("action", "text", (c) => c.notNull())
				.addColumn("before", t("json"))
				.addColumn("after", t("json"))
				.addColumn("statements", t("json"), (c) => c.notNull())
				.addColumn("actor", "text")
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex("_collection_history_collection_idx")
				.on("_collection_history")
				.columns(["collection_id", "created"])
				.execute();
			await db.schema
				.createTable("_keys")
				.addColumn("kid", "text", (c) => c.primaryKey())
				.addColumn("alg", "text", (c) => c.notNull())
				.addColumn("public_jwk", t("json"), (c) => c.notNull())
				.addColumn("private_key", "text", (c) => c.notNull())
				.addColumn("active", t("boolean"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createTable("_idempotency_keys")
				.addColumn("scope", "text", (c) => c.notNull())
				.addColumn("key", "text", (c) => c.notNull())
				.addColumn("request_hash", "text", (c) => c.notNull())
				.addColumn("status", "integer", (c) => c.notNull())
				.addColumn("headers", t("json"), (c) => c.notNull())
				.addColumn("body", "text", (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("expires", t("timestamp"), (c) => c.notNull())
				.addPrimaryKeyConstraint("_idempotency_keys_pk", ["scope", "key"])
				.execute();
			await db.schema
				.createIndex("_idempotency_keys_expires_idx")
				.on("_idempotency_keys")
				.column("expires")
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			for (const table of [
				"_idempotency_keys",
				"_keys",
				"_collection_history",
				"_collections",
				"_superusers",
			]) {
				await db.schema.dropTable(table).execute();
			}
		},
	};
}
