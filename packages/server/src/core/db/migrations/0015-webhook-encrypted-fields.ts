import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../sql-dialect.js";

/**
 * Whether a webhook's payloads carry the values of encrypted fields
 * (docs/webhooks.md#what-is-sent): off for every webhook made before, as it was.
 */
export function webhookEncryptedFieldsColumn(dialect: SqlDialect) {
	const boolean = sql.raw(dialect.columnType("boolean"));
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.alterTable("_webhooks")
				.addColumn("include_encrypted", boolean, (c) =>
					c.notNull().defaultTo(dialect.encode("boolean", false)),
				)
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.alterTable("_webhooks")
				.dropColumn("include_encrypted")
				.execute();
		},
	};
}
