import {
	chmodSync,
	chownSync,
	closeSync,
	existsSync,
	fsyncSync,
	openSync,
	readSync,
	realpathSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { coerceError } from "../../tools/errors/index.js";
import { type SqliteConnection, SqliteDriver } from "./sqlite-driver.js";
import { keySqliteConnection, rekeySqliteConnection } from "./sqlite-key.js";

/** Why a SQLite file's encryption was not changed. */
export type SqliteFileProblem =
	| "not-found"
	| "in-use"
	| "wrong-key"
	| "encrypted"
	| "not-encrypted"
	| "same-key"
	| "copy-failed";

/** A refusal to change a SQLite file's encryption; the file is as it was. */
export class SqliteFileError extends Error {
	override name = "SqliteFileError";
	constructor(
		readonly problem: SqliteFileProblem,
		message: string,
		options?: { cause: unknown },
	) {
		super(message, options);
	}
}

/** From which key to which: undefined is plain text. */
export interface EncryptionChange {
	file: string;
	/** The key the file is encrypted with now; undefined: it is not encrypted. */
	currentKey: string | undefined;
	/** The key to encrypt it with; undefined: decrypt it. */
	newKey: string | undefined;
}

/** The file as it is now. */
export interface EncryptionChanged {
	file: string;
	bytes: number;
	tables: number;
	rows: number;
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\u0000", "latin1");

/**
 * Encrypts, decrypts or re-keys a SQLite file (SQLCipher format) without ever
 * leaving it half done (docs/security.md#encryption-at-rest-whole-file):
 *
 * 1. It takes the file for itself: `locking_mode=EXCLUSIVE` before the first read
 *    makes that read take an exclusive lock, which fails while any other process
 *    (a running server or worker, idle or not) has the file open in WAL mode.
 * 2. It folds the WAL into the file and leaves WAL mode, so nothing of the file
 *    lives beside it, and keeps its journal in memory.
 * 3. It writes a compacted copy next to the file (`VACUUM INTO`, with the file's
 *    mode and owner), re-keys the copy, and checks it: `quick_check`, and the row
 *    count of every table against the original's.
 * 4. It syncs the copy to disk and renames it over the file, still holding the lock.
 *
 * Any failure before the rename removes the copy and leaves the file as it was.
 */
export function changeSqliteEncryption(
	change: EncryptionChange,
): EncryptionChanged {
	const file = existingFile(change.file);
	checkKeys(file, change);
	const { db: source, journalMode } = openExclusively(file, change.currentKey);
	const copy = `${file}.converting`;
	try {
		let rows: Record<string, number>;
		try {
			rows = countRows(source);
			copyDatabase(source, file, copy);
			rekeyCopy(copy, change);
			checkCopy(copy, change.newKey, rows);
			renameSync(copy, file);
		} catch (err: unknown) {
			removeCopy(copy);
			restoreJournalMode(source, journalMode);
			throw explainCopyFailure(err);
		}
		syncDirectory(path.dirname(file));
		const counts = Object.values(rows);
		return {
			file,
			bytes: statSync(file).size,
			tables: counts.length,
			rows: counts.reduce((sum, n) => sum + n, 0),
		};
	} finally {
		source.close();
	}
}

/** Whether a SQLite file is encrypted: its first 16 bytes are not SQLite's header. */
export function isEncryptedSqliteFile(file: string): boolean {
	const fd = openSync(file, "r");
	try {
		const head = Buffer.alloc(16);
		const read = readSync(fd, head, 0, 16, 0);
		// An empty file is an empty, plain database.
		return read > 0 && !head.equals(SQLITE_MAGIC);
	} finally {
		closeSync(fd);
	}
}

function existingFile(file: string): string {
	if (!existsSync(file))
		throw new SqliteFileError("not-found", `no database file at ${file}`);
	// Replace the file itself, not a symbolic link to it.
	return realpathSync(file);
}

function checkKeys(file: string, change: EncryptionChange): void {
	const encrypted = isEncryptedSqliteFile(file);
	if (change.currentKey === undefined && encrypted)
		throw new SqliteFileError("encrypted", `${file} is already encrypted`);
	if (change.currentKey !== undefined && !encrypted)
		throw new SqliteFileError("not-encrypted", `${file} is not encrypted`);
	if (change.currentKey === change.newKey)
		throw new SqliteFileError(
			"same-key",
			"the new key is the same as the current one",
		);
}

/**
 * Opens the file with an exclusive lock held until it closes, its WAL folded in and
 * its journal in memory: closing it then deletes no file by name, so it can stay
 * open (and locked) while the copy is renamed over the file.
 */
function openExclusively(
	file: string,
	key: string | undefined,
): { db: SqliteConnection; journalMode: string } {
	const db = new SqliteDriver(file);
	try {
		if (key !== undefined) keySqliteConnection(db, key);
		db.pragma("busy_timeout = 0");
		db.pragma("locking_mode = EXCLUSIVE");
		db.prepare("SELECT count(*) FROM sqlite_schema").get();
		const journalMode = String(db.pragma("journal_mode", { simple: true }));
		db.pragma("wal_checkpoint(TRUNCATE)");
		db.pragma("journal_mode = MEMORY");
		// Out of WAL mode, a read holds only a shared lock: take the exclusive one.
		db.exec("BEGIN EXCLUSIVE; COMMIT");
		return { db, journalMode };
	} catch (err: unknown) {
		db.close();
		throw explainOpenFailure(err, file, key);
	}
}

function explainOpenFailure(
	err: unknown,
	file: string,
	key: string | undefined,
): unknown {
	const code = (err as { code?: unknown }).code;
	if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED")
		return new SqliteFileError(
			"in-use",
			`${file} is in use by another process (a running basalt serve or worker?)`,
		);
	if (code === "SQLITE_NOTADB")
		return new SqliteFileError(
			"wrong-key",
			key === undefined
				? `${file} is not a SQLite database`
				: `the key does not open ${file}: a wrong key, or not a SQLite database`,
		);
	return err;
}

/**
 * Puts the file back in the journal mode it had (WAL, for a file the server made)
 * after a failed copy. Should that fail as well, the server sets WAL mode again when
 * it opens the file; the copy's failure is the one to report.
 */
function restoreJournalMode(db: SqliteConnection, journalMode: string): void {
	try {
		db.pragma(`journal_mode = ${journalMode}`);
	} catch {
		// See above: nothing is lost.
	}
}

function explainCopyFailure(err: unknown): SqliteFileError {
	if (err instanceof SqliteFileError) return err;
	return new SqliteFileError(
		"copy-failed",
		`writing the new file beside the original failed (${coerceError(err).message}); the original is unchanged`,
		{ cause: err },
	);
}

/** Each table's row count (virtual tables are counted through their shadow tables). */
function countRows(db: SqliteConnection): Record<string, number> {
	const tables = db
		.prepare(
			`SELECT name FROM sqlite_schema WHERE type = 'table'
			 AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`,
		)
		.pluck()
		.all() as string[];
	return Object.fromEntries(
		tables.map((table) => [
			table,
			db
				.prepare(`SELECT count(*) FROM "${table.replaceAll('"', '""')}"`)
				.pluck()
				.get() as number,
		]),
	);
}

/**
 * Writes a compacted copy of the database to `copy`, created first with the file's
 * mode and owner, so the copy is never readable by more users than the file.
 * SQLite3 Multiple Ciphers encrypts VACUUM INTO's output with the source's key.
 */
function copyDatabase(source: SqliteConnection, file: string, copy: string) {
	removeCopy(copy);
	const { mode, uid, gid } = statSync(file);
	writeFileSync(copy, "", { mode: mode & 0o777, flag: "wx" });
	chmodSync(copy, mode & 0o777);
	chownSync(copy, uid, gid);
	source.exec(`VACUUM INTO '${copy.replaceAll("'", "''")}'`);
}

function rekeyCopy(copy: string, change: EncryptionChange): void {
	const db = new SqliteDriver(copy);
	try {
		if (change.currentKey !== undefined && isEncryptedSqliteFile(copy))
			keySqliteConnection(db, change.currentKey);
		rekeySqliteConnection(db, change.newKey);
		// In WAL mode already, the server never writes a rollback journal beside it.
		db.pragma("journal_mode = WAL");
	} finally {
		db.close();
	}
}

function checkCopy(
	copy: string,
	key: string | undefined,
	expected: Record<string, number>,
): void {
	if (isEncryptedSqliteFile(copy) !== (key !== undefined))
		throw new SqliteFileError(
			"copy-failed",
			`the copy came out ${key === undefined ? "still encrypted" : "not encrypted"}; the original is unchanged`,
		);
	const db = new SqliteDriver(copy);
	try {
		if (key !== undefined) keySqliteConnection(db, key);
		const check = String(db.pragma("quick_check", { simple: true }));
		const problem =
			check !== "ok"
				? `quick_check: ${check}`
				: isDeepStrictEqual(countRows(db), expected)
					? undefined
					: "a table's row count differs";
		if (problem)
			throw new SqliteFileError(
				"copy-failed",
				`the copy does not match the original (${problem}); the original is unchanged`,
			);
	} finally {
		db.close();
	}
	const fd = openSync(copy, "r+");
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

function removeCopy(copy: string): void {
	for (const suffix of ["", "-journal", "-wal", "-shm"])
		rmSync(`${copy}${suffix}`, { force: true });
}

/** Makes a rename durable: the directory's entry is synced too. */
function syncDirectory(dir: string): void {
	const fd = openSync(dir, "r");
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}
