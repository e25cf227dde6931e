import { mkdirSync } from "node:fs";
import path from "node:path";
import {
	type CompiledQuery,
	Kysely,
	type SqliteDatabase,
	SqliteDialect,
	type SqliteStatement,
} from "kysely";
import type { Database } from "./database.js";
import { foldCase } from "./fold-case.js";
import { createQueryListeners } from "./query-listeners.js";
import type { DatabaseSchema } from "./sql-dialect.js";
import { createSqliteDialect } from "./sqlite-dialect.js";
import {
	type SqliteConnection,
	SqliteDriver,
	type SqlitePreparedStatement,
} from "./sqlite-driver.js";
import { keySqliteConnection } from "./sqlite-key.js";

/** How to open the SQLite file. */
export interface SqliteOptions {
	file: string;
	/** Encrypts the whole file at rest (SQLCipher format) when set. */
	encryptionKey?: string | undefined;
	/** Statements kept prepared, by SQL text. */
	statementCacheSize?: number;
}

/**
 * Opens (creating if needed) a SQLite database file in WAL mode with foreign keys on.
 *
 * Prepared statements are cached by SQL text: Kysely prepares on every query, and
 * preparing costs more than running a primary-key lookup.
 */
export function openSqliteDatabase(options: SqliteOptions): Database {
	mkdirSync(path.dirname(options.file), { recursive: true });
	const writer = openConnection(options);
	writer.pragma("journal_mode = WAL");
	// The reader opens after the writer has switched the file to WAL.
	const reader = openConnection(options);
	reader.pragma("query_only = ON");
	const cacheSize = options.statementCacheSize ?? 500;
	const listeners = createQueryListeners();
	const kysely = new Kysely<DatabaseSchema>({
		dialect: new SqliteDialect({
			database: withStatementCache(writer, cacheSize),
		}),
		log: listeners.kyselyLog,
	});
	const readStatements = withStatementCache(reader, cacheSize);
	// better-sqlite3 is synchronous: a read is one call, with no lock to wait for.
	const readNow = <R>(query: CompiledQuery) =>
		(
			readStatements.prepare(query.sql) as unknown as SqlitePreparedStatement
		).all(...query.parameters) as R[];
	return {
		kysely,
		dialect: createSqliteDialect(),
		read: async <R>(query: CompiledQuery) =>
			listeners.timedSync(query.sql, () => readNow<R>(query)),
		onQuery: listeners.add,
		close: async () => {
			await kysely.destroy();
			reader.close();
		},
	};
}

function openConnection(options: SqliteOptions): SqliteConnection {
	const raw = new SqliteDriver(options.file);
	// Must come before any other access to the file.
	if (options.encryptionKey) keySqliteConnection(raw, options.encryptionKey);
	raw.pragma("synchronous = NORMAL");
	raw.pragma("foreign_keys = ON");
	raw.pragma("busy_timeout = 5000");
	registerFunctions(raw);
	return raw;
}

function withStatementCache(
	raw: SqliteConnection,
	size: number,
): SqliteDatabase {
	const cache = new Map<string, SqlitePreparedStatement>();
	return {
		close: () => raw.close(),
		prepare(sqlText: string): SqliteStatement {
			const cached = cache.get(sqlText);
			// A statement being iterated cannot run again until it finishes.
			if (cached && !cached.busy) return cached as unknown as SqliteStatement;
			const statement = raw.prepare(sqlText);
			if (!cached) {
				if (cache.size >= size)
					cache.delete(cache.keys().next().value as string);
				cache.set(sqlText, statement);
			}
			return statement as unknown as SqliteStatement;
		},
	};
}

/**
 * SQL functions SQLite lacks. `basalt_icontains` is the filter's `~`: SQLite's LIKE
 * folds case for ASCII only, PostgreSQL's ILIKE for all of Unicode; this makes both
 * agree ("É" ~ "é", "ΟΔΟΣ" ~ "οδοσ": see foldCase). The needle is plain text, so `%`
 * and `_` need no escaping.
 */
function registerFunctions(raw: SqliteConnection): void {
	raw.function(
		"basalt_icontains",
		{ deterministic: true },
		(haystack: unknown, needle: unknown) => {
			if (haystack === null || needle === null) return null;
			return foldCase(String(haystack)).includes(foldCase(String(needle)))
				? 1
				: 0;
		},
	);
}
