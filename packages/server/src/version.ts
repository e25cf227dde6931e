import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Reads Basalt's version from packages/server/package.json, the one place it is set.
 * The file is located relative to this module, which is one level below it both in
 * src/ (tests run the sources) and in dist/ (the built server); npm always ships it.
 * Throws, naming the file, when it has no version.
 *
 * @example
 * readBasaltVersion(); // "0.1.0"
 */
export function readBasaltVersion(): string {
	const file = fileURLToPath(new URL("../package.json", import.meta.url));
	const { version } = JSON.parse(readFileSync(file, "utf8")) as {
		version?: unknown;
	};
	if (typeof version !== "string" || version === "")
		throw new Error(`${file} has no "version"`);
	return version;
}
