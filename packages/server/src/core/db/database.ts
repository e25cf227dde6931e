import { type CompiledQuery, type Kysely, sql } from "kysely";
import type { QueryListener } from "./query-listeners.js";
import type { DatabaseSchema, SqlDialect } from "./sql-dialect.js";

/** An open database: the one Kysely instance of an App and its dialect's differences. */
export interface Database {
	readonly kysely: Kysely<DatabaseSchema>;
	readonly dialect: SqlDialect;
	/**
	 * Runs a read-only statement outside any transaction and returns its rows. On SQLite
	 * this uses a second connection, so reads neither wait for an open write
	 * transaction nor see its uncommitted rows (WAL gives each read a snapshot).
	 */
	read<R = Record<string, unknown>>(query: CompiledQuery): Promise<R[]>;
	/**
	 * Adds a listener that hears every statement after it ran (metrics, the slow-query
	 * log, tracing); returns the function that removes it.
	 */
	onQuery(listener: QueryListener): () => void;
	/** Closes every connection; the App calls it last on shutdown. */
	close(): Promise<void>;
}

/** Runs the cheapest query there is; throws if the database does not answer. */
export async function pingDatabase(db: Database): Promise<void> {
	await sql`SELECT 1`.execute(db.kysely);
}
