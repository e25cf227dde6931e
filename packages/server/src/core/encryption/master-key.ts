import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { ConfigError, masterKeyFile } from "../config/index.js";

/**
 * Reads the master key file of the data dir; undefined when there is none. A file
 * that does not hold a 32-byte base64 key stops start-up with one line.
 */
export function readMasterKeyFile(dataDir: string): Buffer | undefined {
	const file = masterKeyFile(dataDir);
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (err: unknown) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw err;
	}
	const key = Buffer.from(text.trim(), "base64");
	if (key.length !== 32)
		throw new ConfigError(
			"BASALT_MASTER_KEY",
			`${file} does not hold a 32-byte base64 key`,
		);
	return key;
}

/**
 * Creates the master key file of a new install (docs/configuration.md#files-in-the-data-dir).
 * Losing this file loses the key ring it wraps, so it is never rewritten: when another
 * process wrote one a moment ago, that one is returned.
 */
export function createMasterKeyFile(dataDir: string): Buffer {
	const file = masterKeyFile(dataDir);
	mkdirSync(dataDir, { recursive: true });
	const key = randomBytes(32);
	try {
		// "wx": never overwrite a key another process wrote a moment ago.
		writeFileSync(file, `${key.toString("base64")}\n`, {
			mode: 0o600,
			flag: "wx",
		});
		chmodSync(file, 0o600);
		return key;
	} catch (err: unknown) {
		if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
		return readMasterKeyFile(dataDir) as Buffer;
	}
}
