import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3-multiple-ciphers";

const require = createRequire(import.meta.url);

/**
 * better-sqlite3-multiple-ciphers, in the major that is safe on the running Node.
 *
 * 12.x wraps its objects in `node::ObjectWrap`. Since Node 24.19 that header class
 * registers an environment cleanup hook, and removing it when a wrapped object is
 * garbage collected CHECKs that a JavaScript context is entered: a GC that runs
 * outside one (an idle GC, a microtask checkpoint) aborts the whole process with
 * `Assertion failed: (env) != nullptr` in `RemoveEnvironmentCleanupHook`, from
 * `Statement::~Statement()`. 12.x built against Node 24 headers therefore kills
 * a server at random; 13.x uses node-addon-api instead and ships a prebuilt N-API
 * binary, but needs Node-API 10 (Node 22.14+), which Node 20 lacks: it crashes there.
 * So: 13.x where Node-API 10 exists, else 12.x (built from source for Node 20 by
 * `npm install`). The two have one API, the same SQLite and the same file formats.
 */
export const sqliteDriverMajor: 12 | 13 =
	Number(process.versions.napi) >= 10 ? 13 : 12;

/** The `Database` constructor of the driver for this Node. */
export const SqliteDriver: typeof BetterSqlite3 = require(
	sqliteDriverMajor === 13
		? "better-sqlite3-multiple-ciphers-13"
		: "better-sqlite3-multiple-ciphers",
);

/** A connection opened with {@link SqliteDriver}. */
export type SqliteConnection = BetterSqlite3.Database;
/** A prepared statement of a {@link SqliteConnection}. */
export type SqlitePreparedStatement = BetterSqlite3.Statement;
