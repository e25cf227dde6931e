/**
 * Names (lower case) of fields whose values are secrets wherever they appear in a
 * logged object: credentials in bodies, headers, error details, at any depth.
 */
const SECRET_KEYS = new Set([
	"password",
	"passwordconfirm",
	"oldpassword",
	"newpassword",
	"token",
	"accesstoken",
	"access_token",
	"refreshtoken",
	"refresh_token",
	"idtoken",
	"id_token",
	"secret",
	"clientsecret",
	"client_secret",
	"apikey",
	"api_key",
	"x-api-key",
	"key",
	"authorization",
	"proxy-authorization",
	"cookie",
	"set-cookie",
	"masterkey",
	"encryptionkey",
	"code_verifier",
]);

/** What redacted values read as. */
export const REDACTED = "[redacted]";

/** Deeper than this, values are left as they are (log objects are shallow). */
const MAX_DEPTH = 8;

/**
 * Replaces the value of every field named like a secret (see SECRET_KEYS, any case)
 * with "[redacted]", at any depth. Copies only the objects on the way to a secret, so
 * the caller's objects are never changed and a line without secrets costs one walk.
 * pino's own `redact` is path based, and wildcard paths cost ~100x more per line.
 */
export function redactSecrets<T>(value: T, depth = 0): T {
	if (value === null || typeof value !== "object" || depth > MAX_DEPTH)
		return value;
	if (Array.isArray(value)) {
		let copy: unknown[] | undefined;
		for (let i = 0; i < value.length; i++) {
			const next = redactSecrets(value[i], depth + 1);
			if (next !== value[i]) {
				copy ??= value.slice();
				copy[i] = next;
			}
		}
		return (copy ?? value) as T;
	}
	const proto = Object.getPrototypeOf(value);
	// Errors go through pino's err serializer; their text through scrubSecrets.
	if (proto !== Object.prototype && proto !== null) return value;
	let copy: Record<string, unknown> | undefined;
	const source = value as Record<string, unknown>;
	for (const key in source) {
		const item = source[key];
		const next =
			item !== undefined && SECRET_KEYS.has(key.toLowerCase())
				? REDACTED
				: redactSecrets(item, depth + 1);
		if (next !== item) {
			copy ??= { ...source };
			copy[key] = next;
		}
	}
	return (copy ?? value) as T;
}

// Bearer/Basic credentials, API keys (`bsk_<id>_<secret>`) and JWTs (access tokens)
// inside any string: a message, an error text, a header echoed in a detail.
const SECRET_TEXT =
	/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+|\bbsk_[A-Za-z0-9_-]+|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/gi;

/**
 * Defence in depth behind redactSecrets: scrubs credential-shaped text from a
 * finished log line (error messages, stacks). One regular expression scan per line.
 */
export function scrubSecrets(line: string): string {
	return line.replace(SECRET_TEXT, (_match, scheme: string | undefined) =>
		scheme ? `${scheme} ${REDACTED}` : REDACTED,
	);
}
