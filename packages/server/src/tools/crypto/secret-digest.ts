import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Tells whether a presented secret hashes to the stored SHA-256 hex digest, comparing
 * the digests in constant time. Only for high-entropy random secrets (API keys,
 * client secrets): a password needs a slow hash instead (password-hash.ts).
 */
export function matchesSecretDigest(
	secret: string,
	storedHex: string,
): boolean {
	const presented = createHash("sha256").update(secret).digest();
	const stored = Buffer.from(storedHex, "hex");
	// The stored digest is ours, never the client's: a length mismatch is corrupt data.
	return (
		stored.length === presented.length && timingSafeEqual(presented, stored)
	);
}
