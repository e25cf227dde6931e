import path from "node:path";
import { ConfigError } from "./config-error.js";
import { type PostgresTarget, readPostgresTarget } from "./postgres-target.js";
import { integer, type Reader } from "./read-values.js";

/** Which database Basalt keeps its data in, and how it watches it. */
export interface DbConfig {
	target: DatabaseTarget;
	/** SQLite only: the whole file is encrypted with this key (SQLCipher format). */
	encryptionKey: string | undefined;
	/** Statements slower than this are logged (SQL shape only) and counted. */
	slowQueryMs: number;
}

/** Reads DATABASE_URL, BASALT_DB_ENCRYPTION_KEY and BASALT_SLOW_QUERY_MS. */
export function readDbConfig(read: Reader, dataDir: string): DbConfig {
	return {
		target: databaseTarget(read("DATABASE_URL"), dataDir),
		encryptionKey: read("BASALT_DB_ENCRYPTION_KEY"),
		slowQueryMs: integer(read, "BASALT_SLOW_QUERY_MS", 200, 1, 600_000),
	};
}

/** Where the data lives: one SQLite file, or a PostgreSQL server. */
export type DatabaseTarget = { kind: "sqlite"; file: string } | PostgresTarget;

/** Reads DATABASE_URL: PostgreSQL, or a SQLite file (in the data dir by default). */
function databaseTarget(
	raw: string | undefined,
	dataDir: string,
): DatabaseTarget {
	if (raw === undefined)
		return { kind: "sqlite", file: path.join(dataDir, "data.db") };
	if (/^postgres(ql)?:\/\//.test(raw)) return readPostgresTarget(raw);
	if (raw.startsWith("sqlite:"))
		return {
			kind: "sqlite",
			file: path.resolve(dataDir, raw.slice("sqlite:".length)),
		};
	throw new ConfigError(
		"DATABASE_URL",
		"must be a postgres:// URL or sqlite:<file>",
	);
}
