import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { coerceError } from "../errors/index.js";

/**
 * Reads a common-password list, one lower-cased password per line, into a Set: by
 * default the 9,913 entries shipped with Basalt in assets/common-passwords.txt (its
 * source, processing and licence are in common-passwords.md next to it). Throws,
 * naming the file, when it cannot be read or holds no entries: a policy checking
 * against an empty list would silently accept "password1".
 *
 * @example
 * const policy = createPasswordPolicy({ commonPasswords: loadCommonPasswords() });
 */
export function loadCommonPasswords(
	file = shippedListPath(),
): ReadonlySet<string> {
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (err: unknown) {
		throw new Error(
			`Cannot read the common-password list ${file}: ${coerceError(err).message}`,
			{ cause: err },
		);
	}
	// \r too: a list saved on Windows would otherwise match nothing, and silently.
	const entries = new Set(text.split(/\r?\n/).filter((line) => line !== ""));
	if (entries.size === 0)
		throw new Error(`The common-password list ${file} has no entries`);
	return entries;
}

/**
 * Locates the shipped list relative to this module: src/tools/password-policy (tests
 * run the sources) and dist/tools/password-policy (the built server) are at the same
 * depth under packages/server, and assets/ ships in the npm package beside them.
 */
function shippedListPath(): string {
	return fileURLToPath(
		new URL("../../../assets/common-passwords.txt", import.meta.url),
	);
}
