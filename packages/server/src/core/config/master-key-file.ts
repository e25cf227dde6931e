import path from "node:path";

/**
 * Where the generated master key lives when BASALT_MASTER_KEY is not set:
 * `<data dir>/master.key`, mode 0600 (docs/configuration.md#files-in-the-data-dir).
 */
export function masterKeyFile(dataDir: string): string {
	return path.join(dataDir, "master.key");
}
