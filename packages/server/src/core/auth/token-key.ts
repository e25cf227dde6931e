import { sha256Hex } from "../../tools/crypto/index.js";

/**
 * The fingerprint of an account's token key that tokens carry (`tkh`): when the key
 * changes (a new password), every token issued before stops verifying.
 */
export function tokenKeyFingerprint(tokenKey: string): string {
	return sha256Hex(tokenKey).slice(0, 16);
}
