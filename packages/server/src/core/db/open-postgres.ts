import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { PostgresTls } from "../config/index.js";
import type { Database } from "./database.js";
import { createPostgresDialect } from "./postgres-dialect.js";
import { postgresConnection } from "./postgres-tls.js";
import { createQueryListeners } from "./query-listeners.js";
import type { DatabaseSchema } from "./sql-dialect.js";

/** How to reach PostgreSQL. */
export interface PostgresOptions {
	/** DATABASE_URL; its TLS parameters are read from `tls`, not from here. */
	url: string;
	/** DATABASE_URL's sslmode and certificate files; undefined: plain TCP. */
	tls?: PostgresTls;
	poolSize?: number;
	/** Hears errors of idle connections (a restarted server, say); the next query reconnects. */
	onIdleError?: (err: Error) => void;
}

const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;

/**
 * Turns PostgreSQL's timestamptz text ("2026-01-02 03:04:05.6+00") into the ISO 8601
 * form Basalt returns on both dialects ("2026-01-02T03:04:05.600Z").
 */
export function pgTimestampToIso(text: string): string {
	const iso = text.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00");
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

/**
 * Opens a pool of connections to PostgreSQL.
 *
 * Type parsers are set on this pool only (not on pg's global registry), so two apps
 * in one process cannot disturb each other.
 */
export async function openPostgresDatabase(
	options: PostgresOptions,
): Promise<Database> {
	const types = {
		getTypeParser(oid: number, format?: string) {
			if (oid === TIMESTAMPTZ_OID) return pgTimestampToIso;
			// count(*) is bigint; counts in Basalt stay far below 2^53.
			if (oid === INT8_OID) return (text: string) => Number(text);
			return pg.types.getTypeParser(oid, format as "text");
		},
	};
	const pool = new pg.Pool({
		...(await postgresConnection(options.url, options.tls)),
		max: options.poolSize ?? 10,
		types,
	} as pg.PoolConfig);
	// An idle client losing its connection emits 'error' on the pool; without a listener
	// that would crash the process.
	pool.on("error", (err) => options.onIdleError?.(err));
	const listeners = createQueryListeners();
	const kysely = new Kysely<DatabaseSchema>({
		dialect: new PostgresDialect({ pool }),
		log: listeners.kyselyLog,
	});
	return {
		kysely,
		dialect: createPostgresDialect(),
		read: async <R>(query: CompiledQuery) =>
			listeners.timed(
				query.sql,
				async () =>
					(
						await pool.query({
							text: query.sql,
							values: query.parameters as unknown[],
						})
					).rows as R[],
			),
		onQuery: listeners.add,
		close: () => kysely.destroy(),
	};
}
