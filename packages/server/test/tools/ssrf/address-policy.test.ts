import { describe, expect, it } from "vitest";
import { createAddressPolicy } from "../../../src/tools/ssrf/index.js";

/** A refused range, addresses inside it, and neighbours just outside that are public. */
interface RangeCase {
	range: string;
	inside: string[];
	outside: string[];
}

const REFUSED_RANGES: RangeCase[] = [
	{
		range: "0.0.0.0/8",
		inside: ["0.0.0.0", "0.255.255.255"],
		outside: ["1.0.0.0"],
	},
	{
		range: "10.0.0.0/8",
		inside: ["10.0.0.0", "10.0.0.5", "10.255.255.255"],
		outside: ["9.255.255.255", "11.0.0.0"],
	},
	{
		range: "100.64.0.0/10 (CGNAT)",
		inside: ["100.64.0.0", "100.127.255.255"],
		outside: ["100.63.255.255", "100.128.0.0"],
	},
	{
		range: "127.0.0.0/8",
		inside: ["127.0.0.1", "127.255.255.255"],
		outside: ["126.255.255.255", "128.0.0.0"],
	},
	{
		range: "169.254.0.0/16",
		inside: ["169.254.0.0", "169.254.169.254"],
		outside: ["169.253.255.255", "169.255.0.0"],
	},
	{
		range: "172.16.0.0/12",
		inside: ["172.16.0.0", "172.31.255.255"],
		outside: ["172.15.255.255", "172.32.0.0"],
	},
	{
		range: "192.0.0.0/24",
		inside: ["192.0.0.0", "192.0.0.255"],
		outside: ["192.0.1.0"],
	},
	{
		range: "192.0.2.0/24",
		inside: ["192.0.2.1"],
		outside: ["192.0.1.255", "192.0.3.0"],
	},
	{
		range: "192.168.0.0/16",
		inside: ["192.168.0.0", "192.168.255.255"],
		outside: ["192.167.255.255", "192.169.0.0"],
	},
	{
		range: "198.18.0.0/15",
		inside: ["198.18.0.0", "198.19.255.255"],
		outside: ["198.17.255.255", "198.20.0.0"],
	},
	{
		range: "198.51.100.0/24",
		inside: ["198.51.100.7"],
		outside: ["198.51.99.255", "198.51.101.0"],
	},
	{
		range: "203.0.113.0/24",
		inside: ["203.0.113.9"],
		outside: ["203.0.112.255", "203.0.114.0"],
	},
	{
		range: "224.0.0.0/4",
		inside: ["224.0.0.1", "239.255.255.255"],
		outside: ["223.255.255.255"],
	},
	{
		range: "240.0.0.0/4",
		inside: ["240.0.0.0", "255.255.255.254"],
		outside: [],
	},
	{ range: "255.255.255.255", inside: ["255.255.255.255"], outside: [] },
	{ range: "::/128", inside: ["::", "0:0:0:0:0:0:0:0"], outside: [] },
	{ range: "::1/128", inside: ["::1", "0:0:0:0:0:0:0:1"], outside: [] },
	{
		range: "fc00::/7",
		inside: [
			"fc00::",
			"fd12:3456::1",
			"FDFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF",
		],
		outside: ["fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
	},
	{
		range: "fe80::/10",
		inside: ["fe80::1", "febf:ffff::1"],
		outside: ["fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
	},
	{
		range: "fec0::/10 (site-local)",
		inside: ["fec0::1", "feff::1"],
		outside: [],
	},
	{
		range: "ff00::/8",
		inside: ["ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
		outside: [],
	},
	{
		range: "2001:db8::/32",
		inside: ["2001:db8::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
		outside: ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"],
	},
	{
		range: "64:ff9b:1::/48 (local NAT64)",
		inside: ["64:ff9b:1::808:808"],
		outside: [],
	},
	{
		range: "::ffff:0:0/96 (IPv4-mapped) carrying a refused IPv4",
		inside: [
			"::ffff:127.0.0.1",
			"::ffff:7f00:1",
			"::FFFF:7F00:1",
			"0:0:0:0:0:ffff:7f00:1",
			"::ffff:10.0.0.5",
			"::ffff:169.254.169.254",
			"::ffff:0.0.0.0",
			"::ffff:a9fe:a9fe",
		],
		outside: ["::ffff:93.184.216.34", "::ffff:5db8:d822"],
	},
	{
		range: "64:ff9b::/96 (NAT64) carrying a refused IPv4",
		inside: [
			"64:ff9b::127.0.0.1",
			"64:ff9b::a00:5",
			"64:ff9b::",
			"64:ff9b::c0a8:101",
		],
		outside: ["64:ff9b::93.184.216.34", "64:ff9b::808:808"],
	},
];

const PUBLIC = [
	"93.184.216.34",
	"8.8.8.8",
	"1.1.1.1",
	"2606:2800:220:1::",
	"2606:2800:220:1:248:1893:25c8:1946",
	"2001:4860:4860::8888",
];

describe("createAddressPolicy without an allowlist", () => {
	const policy = createAddressPolicy([]);

	describe.each(REFUSED_RANGES)("$range", ({ inside, outside }) => {
		it.each(inside)("refuses %s", (ip) => {
			expect(policy.isAllowedAddress(ip)).toBe(false);
		});
		if (outside.length > 0) {
			it.each(outside)("allows %s, just outside", (ip) => {
				expect(policy.isAllowedAddress(ip)).toBe(true);
			});
		}
	});

	it.each(PUBLIC)("allows the public address %s", (ip) => {
		expect(policy.isAllowedAddress(ip)).toBe(true);
	});

	it.each([
		"",
		"localhost",
		"127.1",
		"2130706433",
		"0x7f.0.0.1",
		"[::1]",
		"fe80::1%eth0",
		"2606:2800:220:1::%eth0",
	])("refuses %j, which is not a plain IP address", (value) => {
		expect(policy.isAllowedAddress(value)).toBe(false);
	});

	it("allows no host name", () => {
		expect(policy.isAllowedHost("localhost")).toBe(false);
		expect(policy.isAllowedHost("example.com")).toBe(false);
	});
});

describe("createAddressPolicy with an allowlist", () => {
	it("re-allows exactly the addresses of a CIDR", () => {
		const policy = createAddressPolicy(["127.0.0.1/32", "10.1.0.0/16"]);
		expect(policy.isAllowedAddress("127.0.0.1")).toBe(true);
		expect(policy.isAllowedAddress("127.0.0.2")).toBe(false);
		expect(policy.isAllowedAddress("10.1.255.255")).toBe(true);
		expect(policy.isAllowedAddress("10.2.0.0")).toBe(false);
		expect(policy.isAllowedAddress("192.168.0.1")).toBe(false);
		expect(policy.isAllowedAddress("::1")).toBe(false);
	});

	it("re-allows the IPv4-mapped and NAT64 forms of an allowed IPv4", () => {
		const policy = createAddressPolicy(["127.0.0.1/32"]);
		expect(policy.isAllowedAddress("::ffff:127.0.0.1")).toBe(true);
		expect(policy.isAllowedAddress("::ffff:7f00:1")).toBe(true);
		expect(policy.isAllowedAddress("64:ff9b::7f00:1")).toBe(true);
		expect(policy.isAllowedAddress("::ffff:7f00:2")).toBe(false);
	});

	it("reads a bare address as a single-address range, IPv6 with or without brackets", () => {
		const policy = createAddressPolicy(["192.168.1.10", "::1", "[fd00::7]"]);
		expect(policy.isAllowedAddress("192.168.1.10")).toBe(true);
		expect(policy.isAllowedAddress("192.168.1.11")).toBe(false);
		expect(policy.isAllowedAddress("::1")).toBe(true);
		expect(policy.isAllowedAddress("fd00::7")).toBe(true);
		expect(policy.isAllowedAddress("fd00::8")).toBe(false);
	});

	it("re-allows an IPv6 CIDR", () => {
		const policy = createAddressPolicy(["fd00::/8"]);
		expect(policy.isAllowedAddress("fd12::1")).toBe(true);
		expect(policy.isAllowedAddress("fc00::1")).toBe(false);
	});

	it("re-allows an exact host name, case-insensitively, and not its relatives", () => {
		const policy = createAddressPolicy([
			" Hooks.Internal.Example ",
			"localhost",
		]);
		expect(policy.isAllowedHost("hooks.internal.example")).toBe(true);
		expect(policy.isAllowedHost("HOOKS.internal.EXAMPLE")).toBe(true);
		expect(policy.isAllowedHost("hooks.internal.example.")).toBe(true);
		expect(policy.isAllowedHost("localhost")).toBe(true);
		expect(policy.isAllowedHost("evil.hooks.internal.example")).toBe(false);
		expect(policy.isAllowedHost("hooks.internal.example.evil")).toBe(false);
		expect(policy.isAllowedHost("internal.example")).toBe(false);
		// A host name allows that name only, never the addresses behind it in general.
		expect(policy.isAllowedAddress("127.0.0.1")).toBe(false);
	});

	it("matches an internationalized name by its punycode form", () => {
		const policy = createAddressPolicy(["bücher.example"]);
		expect(policy.isAllowedHost("xn--bcher-kva.example")).toBe(true);
		expect(policy.isAllowedHost("BÜCHER.example")).toBe(true);
	});

	it("skips blank entries, as left by a trailing comma", () => {
		const policy = createAddressPolicy(["", "  ", "10.0.0.1"]);
		expect(policy.isAllowedAddress("10.0.0.1")).toBe(true);
		expect(policy.isAllowedHost("")).toBe(false);
	});

	it.each([
		["10.0.0.0/33", "prefix length must be 0 to 32"],
		["::/129", "prefix length must be 0 to 128"],
		["10.0.0.0/", "prefix length"],
		["10.0.0.0/8/8", "prefix length"],
		["10.0.0.0/x", "prefix length"],
		["10.0.0/8", "must start with an IPv4 or IPv6 address"],
		["example.com/24", "must start with an IPv4 or IPv6 address"],
		["fe80::1%eth0", "zone index"],
		["http://hooks.example", "bare host name"],
		["hooks.example:8080", "bare host name"],
		["hooks.example/path", "bare host name"],
		["user@hooks.example", "bare host name"],
		["*.example.com", "wildcards are not supported"],
		["-bad.example", "not a valid host name"],
		["exa mple.com", "expected a host name"],
		["2130706433", "write the address as 127.0.0.1"],
		["0x7f.1", "write the address as 127.0.0.1"],
	])("throws for the invalid entry %j", (entry, message) => {
		expect(() => createAddressPolicy(["localhost", entry])).toThrow(message);
		expect(() => createAddressPolicy([entry])).toThrow(
			`Invalid SSRF allowlist entry ${JSON.stringify(entry)}`,
		);
	});
});
