import type { SqliteConnection } from "./sqlite-driver.js";

/**
 * Gives a freshly opened connection the key of a whole-file encrypted database, in
 * SQLCipher's format (docs/security.md#encryption-at-rest-whole-file). Must come
 * before any other access to the file; a wrong key shows at the first read, as
 * SQLITE_NOTADB ("file is not a database").
 */
export function keySqliteConnection(
	connection: SqliteConnection,
	key: string,
): void {
	connection.pragma(`cipher='sqlcipher'`);
	connection.pragma(`key=${sqlString(key)}`);
}

/**
 * Rewrites every page of the connection's database under `newKey` (SQLCipher's
 * format), or in plain text when `newKey` is undefined. SQLite3 Multiple Ciphers
 * before 2.4 cannot do this in WAL mode, so the database must be in a rollback
 * journal mode (https://github.com/utelle/SQLite3MultipleCiphers/releases/tag/v2.4.0:
 * 2.4 re-keys in WAL mode by keeping the old key salt).
 */
export function rekeySqliteConnection(
	connection: SqliteConnection,
	newKey: string | undefined,
): void {
	if (newKey !== undefined) connection.pragma(`cipher='sqlcipher'`);
	connection.pragma(`rekey=${sqlString(newKey ?? "")}`);
}

/**
 * A key as a SQL string literal. A NUL would end the statement's text inside the
 * literal, and SQLite's error message would then quote the key: it is refused first.
 */
function sqlString(key: string): string {
	if (key.includes("\u0000"))
		throw new Error("a database key cannot contain a NUL character");
	return `'${key.replaceAll("'", "''")}'`;
}
