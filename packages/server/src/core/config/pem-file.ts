import { readFileSync } from "node:fs";
import { ConfigError } from "./config-error.js";

/** What a PEM file must hold: certificates (a CA list, a client certificate) or a key. */
export type PemKind = "certificate" | "private key";

const MARKERS: Record<PemKind, RegExp> = {
	certificate: /-----BEGIN CERTIFICATE-----/,
	"private key": /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/,
};

/**
 * Checks at start-up that a file named by the configuration can be read and holds
 * PEM of the right kind, so a wrong path is one line naming the variable rather than
 * a failed connection later. The file is read again when the connection opens.
 * `label` says where in the variable the path stands (`sslrootcert`), when not alone.
 */
export function checkPemFile(
	variable: string,
	file: string,
	kind: PemKind,
	label?: string,
): void {
	const what = label ? `${label} ${file}` : file;
	let text: string;
	try {
		text = readFileSync(file, "utf8");
	} catch (err: unknown) {
		const code = (err as { code?: unknown }).code;
		throw new ConfigError(
			variable,
			`${what} cannot be read (${typeof code === "string" ? code : "unknown error"})`,
		);
	}
	if (!MARKERS[kind].test(text))
		throw new ConfigError(variable, `${what} holds no PEM ${kind}`);
}
