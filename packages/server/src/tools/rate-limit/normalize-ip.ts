import { isIP } from "node:net";
import { ipv6Words } from "../ip/index.js";

/**
 * Turns a client IP address into the rate-limit key of the party behind it:
 * - IPv4 stays as it is (`203.0.113.7`);
 * - IPv4-mapped IPv6 (`::ffff:203.0.113.7`, what a dual-stack socket reports for an
 *   IPv4 client) becomes that IPv4 address, so one client has one key on any socket;
 * - any other IPv6 address becomes its /64 in RFC 5952 form (`2001:db8:1:2::/64`):
 *   a /64 is one subnet (RFC 4291 §2.5.4), which a single host usually gets whole
 *   (RFC 8981 temporary addresses rotate inside it), so limiting addresses one by
 *   one would give it 2^64 keys.
 * Brackets and a zone index (`[fe80::1%eth0]`) are dropped. Anything that is not an
 * IP address throws: keying on arbitrary text would let whoever controls that text
 * rotate it, so a caller that passes a header value here fails loudly instead.
 *
 * @example
 * normalizeIp("::ffff:203.0.113.7"); // "203.0.113.7"
 * normalizeIp("2001:DB8:0:1:aaaa::1"); // "2001:db8:0:1::/64"
 */
export function normalizeIp(ip: string): string {
	const address = ip
		.trim()
		.replace(/^\[(.*)\]$/, "$1")
		.replace(/%.*$/, "");
	const family = isIP(address);
	if (family === 4) return address;
	if (family !== 6) throw new TypeError(`Not an IP address: ${ip}`);
	const words = ipv6Words(address);
	if (isIpv4Mapped(words)) {
		const [high = 0, low = 0] = words.slice(6);
		return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
	}
	return formatPrefix64(words.slice(0, 4));
}

/** Tells whether the eight words are ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
function isIpv4Mapped(words: number[]): boolean {
	return words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff;
}

/**
 * Writes the /64 whose first four words are given, in RFC 5952 form. The last four
 * words are zero, and a zero run inside the first four is at most three long, so
 * the `::` always goes at the end, after the trailing zero words of the prefix.
 */
function formatPrefix64(prefix: number[]): string {
	const kept = [...prefix];
	while (kept.length > 0 && kept.at(-1) === 0) kept.pop();
	return `${kept.map((word) => word.toString(16)).join(":")}::/64`;
}
