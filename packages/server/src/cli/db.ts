import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import {
	changeSqliteEncryption,
	type EncryptionChange,
	SqliteFileError,
} from "../core/db/index.js";
import { coerceError } from "../tools/errors/index.js";
import { CommandError } from "./command-error.js";
import { loadConfigOrExit } from "./load-config.js";

/** Where a key comes from: an environment variable, or a file named by an option. */
interface KeySource {
	variable: string;
	flag: string;
	file: string | undefined;
	purpose: string;
}

const CURRENT_KEY = "BASALT_DB_ENCRYPTION_KEY";
const NEW_KEY = "BASALT_DB_NEW_ENCRYPTION_KEY";

/** The --key-file and --new-key-file options. */
interface KeyFiles {
	keyFile?: string;
	newKeyFile?: string;
}

/**
 * Adds `basalt db encrypt|decrypt|rekey` (docs/security.md#encryption-at-rest-whole-file).
 * Keys come from environment variables or files, never from arguments, which any
 * user of the machine can read in `ps`.
 */
export function addDbCommands(program: Command): void {
	const db = program
		.command("db")
		.description(
			"encrypt, decrypt or re-key the SQLite file (stop the server first)",
		);
	const keyFile = `read the key from this file, not ${CURRENT_KEY}`;
	db.command("encrypt")
		.description(`encrypt the SQLite file with the key in ${CURRENT_KEY}`)
		.option("--key-file <file>", keyFile)
		.action((options: KeyFiles) =>
			convert("encrypt", {
				currentKey: undefined,
				newKey: readCurrentKey(options, "the key to encrypt with"),
			}),
		);
	db.command("decrypt")
		.description(`decrypt the SQLite file; its key is in ${CURRENT_KEY}`)
		.option("--key-file <file>", keyFile)
		.action((options: KeyFiles) =>
			convert("decrypt", {
				currentKey: readCurrentKey(options, "the file's key"),
				newKey: undefined,
			}),
		);
	db.command("rekey")
		.description(
			`encrypt the SQLite file with a new key (${NEW_KEY}) instead of its current one (${CURRENT_KEY})`,
		)
		.option("--key-file <file>", keyFile)
		.option("--new-key-file <file>", `read the new key from it, not ${NEW_KEY}`)
		.action((options: KeyFiles) =>
			convert("rekey", {
				currentKey: readCurrentKey(options, "the file's current key"),
				newKey: readKey({
					variable: NEW_KEY,
					flag: "--new-key-file",
					file: options.newKeyFile,
					purpose: "the new key",
				}),
			}),
		);
}

/** The key in BASALT_DB_ENCRYPTION_KEY or in the file of --key-file. */
function readCurrentKey(options: KeyFiles, purpose: string): string {
	return readKey({
		variable: CURRENT_KEY,
		flag: "--key-file",
		file: options.keyFile,
		purpose,
	});
}

type Action = "encrypt" | "decrypt" | "rekey";

const WORDS: Record<Action, { doing: string; done: string; next: string }> = {
	encrypt: {
		doing: "encrypting",
		done: "encrypted",
		next: `start the server with the same key in ${CURRENT_KEY}`,
	},
	decrypt: {
		doing: "decrypting",
		done: "decrypted",
		next: `unset ${CURRENT_KEY} before starting the server`,
	},
	rekey: {
		doing: "re-keying",
		done: "re-keyed",
		next: `start the server with the new key in ${CURRENT_KEY}`,
	},
};

function convert(action: Action, keys: Omit<EncryptionChange, "file">): void {
	const config = loadConfigOrExit();
	const { target } = config.db;
	if (target.kind !== "sqlite")
		throw new CommandError(
			`DATABASE_URL names PostgreSQL: basalt db ${action} works on a SQLite file only (encrypt PostgreSQL's storage with its own means, such as an encrypted volume)`,
		);
	const words = WORDS[action];
	process.stderr.write(
		`${words.doing} ${target.file}${sizeOf(target.file)}...\n`,
	);
	try {
		const result = changeSqliteEncryption({ file: target.file, ...keys });
		process.stdout.write(
			`${words.done} ${result.file} (${result.tables} tables, ${result.rows} rows, ${humanSize(result.bytes)}); ${words.next}\n`,
		);
	} catch (err: unknown) {
		if (err instanceof SqliteFileError)
			throw new CommandError(`${err.message}${hintFor(err, action)}`);
		throw err;
	}
}

function hintFor(err: SqliteFileError, action: Action): string {
	switch (err.problem) {
		case "not-found":
			return " (BASALT_DATA_DIR or DATABASE_URL names it)";
		case "in-use":
			return ": stop it first";
		case "wrong-key":
			return action === "encrypt" ? "" : ` (${CURRENT_KEY} or --key-file)`;
		case "encrypted":
			return ": basalt db rekey changes its key";
		case "not-encrypted":
			return ": basalt db encrypt encrypts it";
		default:
			return "";
	}
}

/** Reads a key from its variable or its file; exactly one of them must give it. */
function readKey(source: KeySource): string {
	const fromEnv = process.env[source.variable]?.trim() || undefined;
	if (source.file !== undefined && fromEnv !== undefined)
		throw new CommandError(
			`${source.variable} is set and ${source.flag} is given: give ${source.purpose} one way only`,
		);
	if (source.file === undefined) {
		if (fromEnv === undefined)
			throw new CommandError(
				`set ${source.variable} or pass ${source.flag} with ${source.purpose}`,
			);
		return fromEnv;
	}
	let text: string;
	try {
		text = readFileSync(source.file, "utf8");
	} catch (err: unknown) {
		throw new CommandError(
			`cannot read ${source.file}: ${coerceError(err).message}`,
		);
	}
	// Trimmed as the variable is, so one key gives one database key either way.
	const key = text.trim();
	if (key === "") throw new CommandError(`${source.file} is empty`);
	if (key.includes("\u0000"))
		throw new CommandError(`${source.file} holds a NUL byte: a key is text`);
	return key;
}

function sizeOf(file: string): string {
	const stats = statSync(file, { throwIfNoEntry: false });
	return stats ? ` (${humanSize(stats.size)})` : "";
}

function humanSize(bytes: number): string {
	return bytes < 1024 * 1024
		? `${Math.ceil(bytes / 1024)} KB`
		: `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
