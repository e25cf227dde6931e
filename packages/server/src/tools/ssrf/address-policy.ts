import { BlockList, isIP } from "node:net";
import { domainToASCII } from "node:url";
import { ipv6Words } from "../ip/index.js";

/** Decides which addresses and host names an outbound request may reach. */
export interface AddressPolicy {
	/** Tells whether a connection to this IP address is allowed (false for anything not an IP). */
	isAllowedAddress(ip: string): boolean;
	/** Tells whether this host name is on the allowlist, so whatever it resolves to is allowed. */
	isAllowedHost(hostname: string): boolean;
}

type Subnet = readonly [network: string, prefix: number];

/**
 * IPv4 ranges no outbound request may reach unless allowlisted: the special-purpose
 * registry (RFC 6890 and its updates) minus the globally routable entries.
 */
const REFUSED_V4: readonly Subnet[] = [
	["0.0.0.0", 8], // "this network"; Linux connects 0.0.0.0 to localhost
	["10.0.0.0", 8], // private (RFC 1918)
	["100.64.0.0", 10], // carrier-grade NAT (RFC 6598)
	["127.0.0.0", 8], // loopback
	["169.254.0.0", 16], // link-local, including cloud metadata at 169.254.169.254
	["172.16.0.0", 12], // private (RFC 1918)
	["192.0.0.0", 24], // IETF protocol assignments (RFC 6890)
	["192.0.2.0", 24], // TEST-NET-1 (RFC 5737)
	["192.168.0.0", 16], // private (RFC 1918)
	["198.18.0.0", 15], // benchmarking (RFC 2544)
	["198.51.100.0", 24], // TEST-NET-2 (RFC 5737)
	["203.0.113.0", 24], // TEST-NET-3 (RFC 5737)
	["224.0.0.0", 4], // multicast
	["240.0.0.0", 4], // reserved, including broadcast 255.255.255.255
];

/**
 * IPv6 ranges refused unless allowlisted. ::ffff:0:0/96 (IPv4-mapped) and
 * 64:ff9b::/96 (NAT64, RFC 6052) are not here: they are judged by the IPv4 address
 * they carry, so ::ffff:127.0.0.1 is loopback and ::ffff:93.184.216.34 is public.
 */
const REFUSED_V6: readonly Subnet[] = [
	["::", 128], // unspecified
	["::1", 128], // loopback
	["64:ff9b:1::", 48], // local-use NAT64 (RFC 8215): translates into the operator's own network
	["fc00::", 7], // unique local (RFC 4193)
	["fe80::", 10], // link-local
	["fec0::", 10], // site-local, deprecated (RFC 3879) but still routed by some stacks
	["ff00::", 8], // multicast
	["2001:db8::", 32], // documentation (RFC 3849)
];

/** 16-bit words of the prefixes whose last 32 bits are an IPv4 address. */
const IPV4_MAPPED = [0, 0, 0, 0, 0, 0xffff];
const NAT64 = [0x64, 0xff9b, 0, 0, 0, 0];

/**
 * Creates the policy outbound requests are checked against: loopback, private,
 * link-local, CGNAT, documentation, multicast and IPv6 local ranges are refused, and
 * `allow` re-allows some. An entry is an IP address or CIDR (`127.0.0.1/32`,
 * `fd00::/8`), which re-allows those addresses, or a host name (`localhost`,
 * `hooks.internal.example`), which re-allows that exact name, case-insensitively,
 * and whatever it resolves to. Blank entries are skipped; any other entry that is
 * neither throws, so a typo in the config fails at startup instead of silently
 * refusing (or allowing) requests.
 *
 * @example
 * const policy = createAddressPolicy(["127.0.0.1/32", "hooks.internal.example"]);
 * policy.isAllowedAddress("10.0.0.5"); // false
 * policy.isAllowedHost("Hooks.Internal.Example"); // true
 */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
	const refused = subnetList(REFUSED_V4, REFUSED_V6);
	const allowed = new BlockList();
	const allowedHosts = new Set<string>();
	for (const raw of allow) {
		const entry = raw.trim();
		if (entry === "") continue;
		const subnet = parseSubnet(entry);
		if (subnet) allowed.addSubnet(...subnet);
		else allowedHosts.add(parseHostName(entry));
	}
	const isAllowedV4 = (ip: string) =>
		allowed.check(ip, "ipv4") || !refused.check(ip, "ipv4");
	return {
		isAllowedAddress(ip) {
			const family = isIP(ip);
			if (family === 4) return isAllowedV4(ip);
			// A zone index (fe80::1%eth0) is refused too: only link-local takes one.
			if (family !== 6 || ip.includes("%")) return false;
			if (allowed.check(ip, "ipv6")) return true;
			const embedded = embeddedIPv4(ip);
			if (embedded !== undefined) return isAllowedV4(embedded);
			return !refused.check(ip, "ipv6");
		},
		isAllowedHost(hostname) {
			return allowedHosts.has(normalizeHostName(hostname));
		},
	};
}

/** Builds a BlockList holding the given IPv4 and IPv6 subnets. */
function subnetList(v4: readonly Subnet[], v6: readonly Subnet[]): BlockList {
	const list = new BlockList();
	for (const [network, prefix] of v4) list.addSubnet(network, prefix, "ipv4");
	for (const [network, prefix] of v6) list.addSubnet(network, prefix, "ipv6");
	return list;
}

/**
 * Reads an allowlist entry as an IP address or CIDR, as BlockList.addSubnet
 * arguments; undefined when it is not one (then it may be a host name).
 */
function parseSubnet(
	entry: string,
): [string, number, "ipv4" | "ipv6"] | undefined {
	const [address = "", prefix, ...extra] = entry.split("/");
	const network = address.replace(/^\[(.*)\]$/, "$1");
	const family = isIP(network);
	if (family === 0) {
		// "10.0.0/8" was meant as a CIDR; "hooks.example/path" is a bad host name.
		if (prefix === undefined || !/^\d+$/.test(prefix)) return undefined;
		throw invalidEntry(entry, "a CIDR must start with an IPv4 or IPv6 address");
	}
	if (network.includes("%")) {
		throw invalidEntry(entry, "an address with a zone index is not supported");
	}
	const type = family === 4 ? "ipv4" : "ipv6";
	const max = family === 4 ? 32 : 128;
	if (prefix === undefined) return [network, max, type];
	if (extra.length > 0 || !/^\d{1,3}$/.test(prefix) || Number(prefix) > max) {
		throw invalidEntry(entry, `the prefix length must be 0 to ${max}`);
	}
	return [network, Number(prefix), type];
}

/**
 * Reads an allowlist entry as a bare host name, normalized as URL hosts are
 * (lower case, punycode, no trailing dot); throws when it is not one.
 */
function parseHostName(entry: string): string {
	let url: URL;
	try {
		url = new URL(`http://${entry}/`);
	} catch {
		throw invalidEntry(entry, "expected a host name, an IP address or a CIDR");
	}
	if (url.host !== url.hostname || url.pathname !== "/" || url.username) {
		throw invalidEntry(
			entry,
			"expected a bare host name, without scheme, port or path",
		);
	}
	// The URL parser reads "2130706433" and "0x7f.1" as IPv4: allowing them by name
	// would be misleading, so ask for the address in its usual form.
	if (isIP(url.hostname) !== 0) {
		throw invalidEntry(entry, `write the address as ${url.hostname}`);
	}
	const name = normalizeHostName(url.hostname);
	const label = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
	if (name.length > 253 || !name.split(".").every((part) => label.test(part))) {
		throw invalidEntry(
			entry,
			"not a valid host name (wildcards are not supported)",
		);
	}
	return name;
}

/** Lower-cases and punycodes a host name and drops a trailing dot, for comparison. */
function normalizeHostName(hostname: string): string {
	return domainToASCII(hostname).replace(/\.$/, "");
}

/** Creates the error thrown for an allowlist entry that cannot be read. */
function invalidEntry(entry: string, why: string): Error {
	return new Error(
		`Invalid SSRF allowlist entry ${JSON.stringify(entry)}: ${why}`,
	);
}

/**
 * Returns the IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or NAT64
 * (64:ff9b::a.b.c.d) IPv6 address carries; undefined for any other address.
 */
function embeddedIPv4(ip: string): string | undefined {
	const words = ipv6Words(ip);
	const head = words.slice(0, 6);
	const carries = [IPV4_MAPPED, NAT64].some((prefix) =>
		prefix.every((word, i) => head[i] === word),
	);
	if (!carries) return undefined;
	const [high = 0, low = 0] = words.slice(6);
	return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
