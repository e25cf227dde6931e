import { createHash, randomBytes } from "node:crypto";

/** Makes an unguessable token: `bytes` random bytes in base64url. */
export function randomToken(bytes = 32): string {
	return randomBytes(bytes).toString("base64url");
}

/** SHA-256 of a string, in hex: for storing tokens and comparing fingerprints. */
export function sha256Hex(value: string): string {
	return createHash("sha256").update(value).digest("hex");
}
