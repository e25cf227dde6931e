import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import {
	createAddressPolicy,
	type LookupFn,
	resolveSafeTarget,
	SsrfError,
} from "../../../src/tools/ssrf/index.js";

/** A resolver for made-up names: answers from the table, ENOTFOUND for anything else. */
function fakeDns(table: Record<string, LookupAddress[]>): LookupFn {
	return async (hostname) => {
		const answers = table[hostname];
		if (answers) return answers;
		throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
			code: "ENOTFOUND",
		});
	};
}

/** Resolves and returns the SsrfError's reason; fails the test if it resolves. */
async function refusal(
	url: string,
	allow: string[] = [],
	lookup?: LookupFn,
): Promise<string> {
	const policy = createAddressPolicy(allow);
	const err = await resolveSafeTarget(
		url,
		policy,
		lookup ? { lookup } : {},
	).then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(err).toBeInstanceOf(SsrfError);
	return (err as SsrfError).reason;
}

const open = createAddressPolicy([]);

describe("resolveSafeTarget refuses", () => {
	it.each([
		"ftp://example.com/file",
		"file:///etc/passwd",
		"gopher://example.com:70/_SLAVEOF",
		"javascript:alert(1)",
		"data:text/plain,hi",
		"ws://example.com/",
	])("the scheme of %s", async (url) => {
		expect(await refusal(url)).toBe("only http and https URLs are allowed");
	});

	it.each([
		"http://user:pass@93.184.216.34/",
		"http://user@93.184.216.34/",
		"https://:secret@93.184.216.34/",
	])("credentials in %s", async (url) => {
		expect(await refusal(url)).toBe("URLs with credentials are not allowed");
	});

	it.each([
		"not a url",
		"http://",
		"http://[::1/",
		"http://256.0.0.1/",
		"/relative/path",
	])("the malformed URL %j", async (url) => {
		expect(await refusal(url)).toBe("the URL is malformed");
	});

	// WHATWG URL turns every one of these into 127.0.0.1 before we see the host.
	it.each([
		"http://127.0.0.1/",
		"http://2130706433/",
		"http://0x7f000001/",
		"http://017700000001/",
		"http://0x7f.1/",
		"http://0177.0.0.1/",
		"http://0x7f.0.0.1/",
		"http://127.1/",
		"http://127.0.1/",
		"http://127.0.0.1./",
		"http://%31%32%37.0.0.1/",
		"http://１２７.０.０.１/",
	])("the loopback form %s", async (url) => {
		expect(await refusal(url)).toBe(
			"the host is a private or reserved address (127.0.0.1)",
		);
	});

	it.each([
		["http://0/", "0.0.0.0"],
		["http://0.0.0.0:8080/", "0.0.0.0"],
		["http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
		["http://0xa9fea9fe/", "169.254.169.254"],
		["http://10.0.0.5/", "10.0.0.5"],
		["http://[::1]/", "::1"],
		["http://[::]/", "::"],
		["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
		["http://[::ffff:7f00:1]:8080/", "::ffff:7f00:1"],
		["http://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"],
		["http://[fd00::1]/", "fd00::1"],
		["http://[fe80::1]/", "fe80::1"],
	])("the private IP literal %s", async (url, shown) => {
		expect(await refusal(url)).toBe(
			`the host is a private or reserved address (${shown})`,
		);
	});

	it("localhost, which the system resolver maps to loopback", async () => {
		expect(await refusal("http://localhost:8080/")).toMatch(
			/^the host resolves to a private or reserved address \((127\.0\.0\.1|::1)\)$/,
		);
	});

	it("a name that answers with a public and a private address", async () => {
		const lookup = fakeDns({
			"mixed.example": [
				{ address: "93.184.216.34", family: 4 },
				{ address: "10.0.0.1", family: 4 },
			],
		});
		expect(await refusal("https://mixed.example/", [], lookup)).toBe(
			"the host resolves to a private or reserved address (10.0.0.1)",
		);
	});

	it("a name rebound to a private address, IPv4 or IPv6", async () => {
		const lookup = fakeDns({
			"rebind.example": [{ address: "10.0.0.1", family: 4 }],
			"rebind6.example": [{ address: "::ffff:192.168.0.1", family: 6 }],
		});
		expect(await refusal("http://rebind.example/", [], lookup)).toContain(
			"(10.0.0.1)",
		);
		expect(await refusal("http://rebind6.example/", [], lookup)).toContain(
			"(::ffff:192.168.0.1)",
		);
	});

	it("a name that does not resolve, or answers with nothing usable", async () => {
		const lookup = fakeDns({
			"empty.example": [],
			"garbage.example": [
				{ address: "93.184.216.34", family: 4 },
				{ address: "not-an-ip", family: 4 },
			],
		});
		for (const host of [
			"nowhere.example",
			"empty.example",
			"garbage.example",
		]) {
			expect(await refusal(`http://${host}/`, [], lookup)).toBe(
				"the host name could not be resolved",
			);
		}
	});

	it("keeps the resolver's error as the cause, out of the reason", async () => {
		const err = await resolveSafeTarget("http://nowhere.example/", open, {
			lookup: fakeDns({}),
		}).catch((caught: unknown) => caught);
		expect(err).toBeInstanceOf(SsrfError);
		expect((err as SsrfError).reason).not.toContain("ENOTFOUND");
		expect(String((err as SsrfError).cause)).toContain("ENOTFOUND");
	});
});

describe("resolveSafeTarget allows", () => {
	it("a public name and pins its first address", async () => {
		let calls = 0;
		const lookup: LookupFn = async (hostname, options) => {
			calls += 1;
			expect(hostname).toBe("hooks.example.com");
			expect(options).toEqual({ all: true });
			return [
				{ address: "2606:2800:220:1::", family: 6 },
				{ address: "93.184.216.34", family: 4 },
			];
		};
		const target = await resolveSafeTarget(
			"https://Hooks.Example.com:8443/in?x=1#frag",
			open,
			{ lookup },
		);
		expect(target).toMatchObject({ address: "2606:2800:220:1::", family: 6 });
		expect(target.url.href).toBe("https://hooks.example.com:8443/in?x=1#frag");
		expect(calls).toBe(1);
	});

	it("takes the family from the address, not the resolver's claim", async () => {
		const lookup = fakeDns({
			"odd.example": [{ address: "2606:2800:220:1::", family: 4 }],
		});
		const target = await resolveSafeTarget("http://odd.example/", open, {
			lookup,
		});
		expect(target.family).toBe(6);
	});

	it("a public IP literal without any lookup", async () => {
		const lookup: LookupFn = async () => {
			throw new Error("an IP literal must not be looked up");
		};
		expect(
			await resolveSafeTarget("http://93.184.216.34/", open, { lookup }),
		).toMatchObject({ address: "93.184.216.34", family: 4 });
		expect(
			await resolveSafeTarget("http://[2606:2800:220:1::]:81/", open, {
				lookup,
			}),
		).toMatchObject({ address: "2606:2800:220:1::", family: 6 });
	});

	it("loopback when its CIDR is allowlisted, in any spelling", async () => {
		const policy = createAddressPolicy(["127.0.0.1/32", "::1"]);
		for (const url of [
			"http://127.0.0.1:3000/",
			"http://2130706433/",
			"http://0x7f.1/",
		]) {
			expect(await resolveSafeTarget(url, policy)).toMatchObject({
				address: "127.0.0.1",
				family: 4,
			});
		}
		expect(await resolveSafeTarget("http://[::1]/", policy)).toMatchObject({
			address: "::1",
			family: 6,
		});
		expect(await refusal("http://127.0.0.2/", ["127.0.0.1/32"])).toContain(
			"(127.0.0.2)",
		);
	});

	it("localhost when the name is allowlisted", async () => {
		const target = await resolveSafeTarget(
			"http://LOCALHOST:8080/",
			createAddressPolicy(["localhost"]),
		);
		expect(["127.0.0.1", "::1"]).toContain(target.address);
	});

	it("an allowlisted name whatever it resolves to, and only that name", async () => {
		const lookup = fakeDns({
			"hooks.internal.example": [{ address: "10.0.0.7", family: 4 }],
			"other.internal.example": [{ address: "10.0.0.8", family: 4 }],
		});
		const policy = createAddressPolicy(["hooks.internal.example"]);
		expect(
			await resolveSafeTarget("http://hooks.internal.example/", policy, {
				lookup,
			}),
		).toMatchObject({ address: "10.0.0.7", family: 4 });
		const err = await resolveSafeTarget(
			"http://other.internal.example/",
			policy,
			{
				lookup,
			},
		).catch((caught: unknown) => caught);
		expect(err).toBeInstanceOf(SsrfError);
	});
});
