import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;
/** Nonces drawn per system call: 341 of them. */
const NONCE_POOL_BYTES = NONCE_BYTES * 341;

let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

/**
 * A fresh random 96-bit nonce, cut from a pool the CSPRNG fills 341 nonces at a time:
 * one `randomBytes` call per value cost more than the AES-GCM itself (a profile of
 * encrypted-field writes, bench/security). A pool is never refilled in place, so a
 * nonce handed out is never overwritten or handed out again.
 */
function nextNonce(): Buffer {
	if (nonceOffset + NONCE_BYTES > noncePool.length) {
		noncePool = randomBytes(NONCE_POOL_BYTES);
		nonceOffset = 0;
	}
	const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
	nonceOffset += NONCE_BYTES;
	return nonce;
}

/**
 * Encrypts with AES-256-GCM under a 32-byte key and a fresh random 96-bit nonce
 * (NIST SP 800-38D). The output names its format version, so the scheme can change
 * without guessing: `v1.<nonce>.<ciphertext>.<tag>` in base64url. `context` is bound
 * as associated data: a value sealed for one purpose will not open for another.
 */
export function seal(
	key: Buffer,
	plaintext: Buffer | string,
	context = "",
): string {
	const nonce = nextNonce();
	const cipher = createCipheriv("aes-256-gcm", key, nonce);
	cipher.setAAD(Buffer.from(context));
	const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
	const parts = [nonce, body, cipher.getAuthTag()].map((b) =>
		b.toString("base64url"),
	);
	return [VERSION, ...parts].join(".");
}

/** Decrypts what seal made with the same key and context; throws if anything differs. */
export function open(key: Buffer, sealed: string, context = ""): Buffer {
	const [version, nonce, body, tag] = sealed.split(".");
	if (
		version !== VERSION ||
		nonce === undefined ||
		body === undefined ||
		tag === undefined
	) {
		throw new Error("Not a sealed value of a known version");
	}
	const decipher = createDecipheriv(
		"aes-256-gcm",
		key,
		Buffer.from(nonce, "base64url"),
	);
	decipher.setAAD(Buffer.from(context));
	decipher.setAuthTag(Buffer.from(tag, "base64url"));
	return Buffer.concat([
		decipher.update(Buffer.from(body, "base64url")),
		decipher.final(),
	]);
}
