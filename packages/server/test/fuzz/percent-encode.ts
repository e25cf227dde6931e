/**
 * Percent-encodes the UTF-8 bytes of a URL part (RFC 3986 section 2.1). Unlike
 * encodeURIComponent alone it never throws: a lone surrogate becomes U+FFFD's bytes,
 * as a client's encoder would send it.
 */
export function percentEncode(value: string): string {
	try {
		return encodeURIComponent(value);
	} catch {
		return encodeURIComponent(Buffer.from(value, "utf8").toString("utf8"));
	}
}
