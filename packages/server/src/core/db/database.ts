import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "./sql-dialect.js";

/** An open database: the one Kysely instance of an App and its dialect's differences. */
export interface Database {
	readonly kysely: Kysely<DatabaseSchema>;
	readonly dialect: SqlDialect;
	/** Closes every connection; the App calls it last on shutdown. */
	close(): Promise<void>;
}

/** Runs the cheapest query there is; throws if the database does not answer. */
export async function pingDatabase(db: Database): Promise<void> {
	await sql`SELECT 1`.execute(db.kysely);
}
