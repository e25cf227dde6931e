import { hash } from "node:crypto";

/**
 * A strong entity tag for a representation (RFC 9110 section 8.8.3): a hash of the
 * exact bytes, so equal tags mean equal bodies. SHA-1 through the one-shot
 * `crypto.hash` (Node 20.12): a tag needs no collision resistance against attackers
 * (a client can only fool itself), and this is on every read's path.
 */
export function etagOf(body: string): string {
	return `"${hash("sha1", body, "base64url")}"`;
}

/**
 * Tells whether an If-Match or If-None-Match header value names the tag. Weak
 * comparison (W/ ignored) as If-None-Match requires; `*` matches any tag.
 */
export function etagMatches(header: string, etag: string): boolean {
	const bare = etag.replace(/^W\//, "");
	return header.split(",").some((part) => {
		const tag = part.trim();
		return tag === "*" || tag.replace(/^W\//, "") === bare;
	});
}
