import { createHash } from "node:crypto";

/**
 * A strong entity tag for a representation (RFC 9110 section 8.8.3): a hash of the
 * exact bytes, so equal tags mean equal bodies.
 */
export function etagOf(body: string): string {
	return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
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
