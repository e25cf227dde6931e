import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * The data key ring (docs/security.md#the-key-ring): keys that encrypt field values
 * and seal the secrets Basalt keeps, each wrapped by the master key. `purpose` is
 * `data` (one of them active: new values use it) or `index` (the key of blind indexes,
 * never rotated: its digests are what equality filters and unique indexes compare).
 */
export function dataKeysTable(dialect: SqlDialect) {
	const t = (kind: "timestamp" | "boolean") =>
		sql.raw(dialect.columnType(kind));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.createTable("_data_keys")
				.addColumn("id", "text", (c) => c.primaryKey())
				.addColumn("purpose", "text", (c) => c.notNull())
				.addColumn("wrapped_key", "text", (c) => c.notNull())
				.addColumn("active", t("boolean"), (c) => c.notNull())
				.addColumn("created", t("timestamp"), (c) => c.notNull())
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.dropTable("_data_keys").execute();
		},
	};
}
