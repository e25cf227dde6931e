import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * OAuth2 / OpenID Connect sign-in (docs/auth.md#oauth2-and-openid-connect): the
 * providers superusers configure, the sign-ins under way (one row per authorization
 * request, keyed by the hash of its `state`), the one-time codes an app trades for a
 * session, and the links between accounts and the provider identities they sign in
 * with. Deleting a provider deletes what hangs off it; links are deleted with their
 * account by the records layer (an account lives in a collection table no foreign key
 * can name ahead).
 */
export function oauth2Tables(dialect: SqlDialect) {
	const t = (kind: Parameters<SqlDialect["columnType"]>[0]) =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_oauth2_providers")
				.addColumn("name", "text", (c) => c.primaryKey())
				.addColumn("preset", "text")
				.addColumn("issuer", "text")
				.addColumn("tenant", "text")
				.addColumn("client_id", "text", (c) => c.notNull())
				// Sealed with the master key (tools/crypto sealed-box), never stored in clear.
				.addColumn("client_secret", "text", (c) => c.notNull())
				.addColumn("scopes", t("json"))
				.addColumn("authorization_url", "text")
				.addColumn("token_url", "text")
				.addColumn("userinfo_url", "text")
				// Ids, so a renamed collection keeps its providers; null means every one.
				.addColumn("collection_ids", t("json"))
				.addColumn("redirect_urls", t("json"), (c) => c.notNull())
				.addColumn("active", t("boolean"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("updated", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createTable("_oauth2_states")
				// SHA-256 of the state: a copy of the table starts no sign-in.
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("provider", "text", (c) =>
					c.notNull().references("_oauth2_providers.name").onDelete("cascade"),
				)
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("code_verifier", "text", (c) => c.notNull())
				.addColumn("nonce", "text")
				.addColumn("redirect_url", "text", (c) => c.notNull())
				.addColumn("app_state", "text")
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("expires", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex("_oauth2_states_expires_idx")
				.on("_oauth2_states")
				.column("expires")
				.execute();
			await db.schema
				.createTable("_oauth2_exchange_codes")
				// SHA-256 of the code handed to the app.
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("provider", "text", (c) =>
					c.notNull().references("_oauth2_providers.name").onDelete("cascade"),
				)
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("record_id", "text", (c) => c.notNull())
				.addColumn("is_new", t("boolean"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.addColumn("expires", t("timestamp"), (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex("_oauth2_exchange_codes_expires_idx")
				.on("_oauth2_exchange_codes")
				.column("expires")
				.execute();
			await db.schema
				.createTable("_external_auths")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("collection_id", "text", (c) => c.notNull())
				.addColumn("record_id", "text", (c) => c.notNull())
				.addColumn("provider", "text", (c) =>
					c.notNull().references("_oauth2_providers.name").onDelete("cascade"),
				)
				.addColumn("provider_subject", "text", (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				// One account per provider identity in a collection.
				.addUniqueConstraint("_external_auths_identity_key", [
					"collection_id",
					"provider",
					"provider_subject",
				])
				.execute();
			// Deleting an account deletes its links.
			await db.schema
				.createIndex("_external_auths_record_idx")
				.on("_external_auths")
				.columns(["collection_id", "record_id"])
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_external_auths").execute();
			await db.schema.dropTable("_oauth2_exchange_codes").execute();
			await db.schema.dropTable("_oauth2_states").execute();
			await db.schema.dropTable("_oauth2_providers").execute();
		},
	};
}
