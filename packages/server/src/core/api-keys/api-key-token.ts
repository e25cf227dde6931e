import { randomToken } from "../../tools/crypto/index.js";

/** What every API key starts with, so a leaked key is recognisable (secret scanners). */
export const API_KEY_PREFIX = "bsk_";

/** Bytes of randomness in a key's secret: 256 bits. */
const SECRET_BYTES = 32;

// bsk_ + the key's id (a UUID without dashes) + _ + 43 base64url characters.
const API_KEY = /^bsk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** An API key taken apart: the id to look it up by, and the secret to check. */
export interface ApiKeyParts {
	id: string;
	secret: string;
}

/** Makes a new key's secret: 256 random bits in base64url. */
export function newApiKeySecret(): string {
	return randomToken(SECRET_BYTES);
}

/**
 * Writes a key as the client gets it once: `bsk_<id>_<secret>`. The id makes checking
 * one primary-key lookup; only the secret's hash is stored.
 */
export function formatApiKey(parts: ApiKeyParts): string {
	return `${API_KEY_PREFIX}${parts.id.replaceAll("-", "")}_${parts.secret}`;
}

/** Takes a presented key apart; undefined when it is not one in form. */
export function parseApiKey(text: string): ApiKeyParts | undefined {
	const match = API_KEY.exec(text);
	if (!match) return undefined;
	const hex = match[1] as string;
	const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
	return { id, secret: match[2] as string };
}

/** Tells whether a bearer credential is meant as an API key (rather than a JWT). */
export function looksLikeApiKey(text: string): boolean {
	return text.startsWith(API_KEY_PREFIX);
}
