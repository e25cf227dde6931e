import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id at OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1): tens of
 * milliseconds of one core per hash (bench/auth/README.md, "Reading the table").
 */
const OPTIONS = {
	// 2 is Algorithm.Argon2id (a const enum, which verbatimModuleSyntax cannot import).
	algorithm: 2,
	memoryCost: 19456,
	timeCost: 2,
	parallelism: 1,
} as const;

/** Hashes a password for storage (PHC string with salt and parameters). */
export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS);
}

/** Checks a password against a stored hash; false for any malformed hash. */
export async function verifyPassword(
	stored: string,
	password: string,
): Promise<boolean> {
	try {
		return await verify(stored, password);
	} catch {
		return false;
	}
}
