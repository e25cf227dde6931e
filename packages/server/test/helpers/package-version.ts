import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Reads the version packages/server/package.json sets, straight from the file rather
 * than through Basalt's own reader, so a test compares what Basalt says against it.
 */
export function readPackageVersion(): string {
	const file = path.resolve(import.meta.dirname, "../../package.json");
	const { version } = JSON.parse(readFileSync(file, "utf8")) as {
		version: string;
	};
	return version;
}
