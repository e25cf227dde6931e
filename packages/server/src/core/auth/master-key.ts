import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Returns the master key: the configured one, or the one in `<dataDir>/master.key`,
 * created with mode 0600 on first start (docs/configuration.md#files-in-the-data-dir).
 * Losing this file loses the key ring it wraps, so it is never rewritten once it
 * exists.
 */
export function loadOrCreateMasterKey(
	dataDir: string,
	configured: Buffer | undefined,
): Buffer {
	if (configured) return configured;
	const file = path.join(dataDir, "master.key");
	try {
		const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
		if (key.length !== 32)
			throw new Error(`${file} does not hold a 32-byte base64 key`);
		return key;
	} catch (err: unknown) {
		if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
	}
	mkdirSync(dataDir, { recursive: true });
	const key = randomBytes(32);
	// "wx": never overwrite a key another process wrote a moment ago.
	try {
		writeFileSync(file, `${key.toString("base64")}\n`, {
			mode: 0o600,
			flag: "wx",
		});
		chmodSync(file, 0o600);
		return key;
	} catch (err: unknown) {
		if ((err as NodeJS.ErrnoException).code === "EEXIST")
			return loadOrCreateMasterKey(dataDir, undefined);
		throw err;
	}
}
