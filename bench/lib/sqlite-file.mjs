// The driver Basalt loads on this Node (12.x on Node 20, 13.x where Node-API 10 exists).
import { SqliteDriver as Database } from "../../packages/server/dist/core/db/sqlite-driver.js";

/**
 * Opens a SQLite file with the pragmas Basalt uses (packages/server/src/core/db/
 * open-sqlite.ts), so the bare handler and the seeder pay the same durability and
 * locking costs as Basalt does.
 */
export function openSqliteFile(file) {
	const db = new Database(file);
	db.pragma("journal_mode = WAL");
	db.pragma("synchronous = NORMAL");
	db.pragma("foreign_keys = ON");
	db.pragma("busy_timeout = 5000");
	return db;
}
