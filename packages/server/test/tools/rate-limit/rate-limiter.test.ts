import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	createMemoryRateLimitStore,
	createRateLimiter,
	normalizeIp,
	type RateLimitDecision,
	type RateLimitHit,
	type RateLimitKeyPart,
	type RateLimitRule,
	type RateLimitStore,
	rateLimitHeaders,
	strictestDecision,
} from "../../../src/tools/rate-limit/index.js";
import { nextAllowedAt } from "../../../src/tools/rate-limit/sliding-window.js";

const W = 60_000;
/** The start of a window: offsets from it read as times within the window. */
const T0 = 28_333_334 * W;
const RULES = {
	login: { limit: 3, windowMs: W },
	signup: { limit: 3, windowMs: W },
};

/** A limiter on a fresh memory store, and a way to count one key's hits. */
function setUp(rules: Record<string, RateLimitRule> = RULES) {
	const store = createMemoryRateLimitStore({ maxKeys: 64 });
	const limiter = createRateLimiter(store, rules);
	const consumeTimes = async (
		n: number,
		parts: RateLimitKeyPart[],
		at = T0,
		rule = "login",
	): Promise<RateLimitDecision[]> => {
		const out: RateLimitDecision[] = [];
		for (let i = 0; i < n; i++)
			out.push(await limiter.consume(rule, parts, at));
		return out;
	};
	return { limiter, consumeTimes };
}

describe("createRateLimiter", () => {
	it("allows `limit` hits, then refuses, with remaining, reset and retry-after", async () => {
		const { consumeTimes } = setUp();
		const decisions = await consumeTimes(
			4,
			[{ ip: "203.0.113.7" }],
			T0 + 10_000,
		);
		expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
			[true, 2],
			[true, 1],
			[true, 0],
			[false, 0],
		]);
		expect(decisions[0]).toMatchObject({
			limit: 3,
			windowMs: W,
			resetAt: T0 + W,
			retryAfterSeconds: 0,
		});
		// With none left, the reset is when the next hit gets through: window 1,
		// once the 3 hits of window 0 weigh at most 2, at ceil(3·40/60) = 2.
		expect(decisions[2]).toMatchObject({ resetAt: T0 + 80_000 });
		// The refused hit counts too (4 in window 0): at most 2 of them may weigh.
		expect(decisions[3]).toMatchObject({
			resetAt: T0 + 90_000,
			retryAfterSeconds: 80,
		});
	});

	it("lets the hit at resetAt through and refuses the one just before", async () => {
		const { limiter, consumeTimes } = setUp();
		await consumeTimes(3, [{ identity: "a" }], T0 + 10_000);
		await consumeTimes(3, [{ identity: "b" }], T0 + 10_000);
		const early = await limiter.consume(
			"login",
			[{ identity: "a" }],
			T0 + 79_999,
		);
		const onTime = await limiter.consume(
			"login",
			[{ identity: "b" }],
			T0 + 80_000,
		);
		expect(early.allowed).toBe(false);
		expect(onTime.allowed).toBe(true);
	});

	it("tells the truth in Retry-After, whatever the history of hits", async () => {
		const history = fc.record({
			limit: fc.integer({ min: 1, max: 6 }),
			windowMs: fc.integer({ min: 1_000, max: 120_000 }),
			offsets: fc.array(fc.integer({ min: 0, max: 200_000 }), {
				minLength: 1,
				maxLength: 30,
			}),
		});
		await fc.assert(
			fc.asyncProperty(history, async ({ limit, windowMs, offsets }) => {
				const { limiter } = setUp({ login: { limit, windowMs } });
				const times = offsets.map((o) => T0 + o).sort((a, b) => a - b);
				// Three keys with the same history, one per probe.
				let last: RateLimitDecision | undefined;
				for (const at of times)
					for (const identity of ["a", "b", "c"])
						last = await limiter.consume("login", [{ identity }], at);
				const now = times.at(-1) as number;
				const d = last as RateLimitDecision;
				const probe = (identity: string, at: number) =>
					limiter.consume("login", [{ identity }], at);
				expect((await probe("a", d.resetAt)).allowed).toBe(true);
				if (d.allowed) return;
				expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
				const wait = d.retryAfterSeconds * 1000;
				expect((await probe("b", now + wait)).allowed).toBe(true);
				expect((await probe("c", now + wait - 1000)).allowed).toBe(false);
			}),
			{ numRuns: 300 },
		);
	});

	it("computes the earliest allowed millisecond exactly", async () => {
		const history = fc.record({
			limit: fc.integer({ min: 1, max: 6 }),
			windowMs: fc.integer({ min: 1, max: 120_000 }),
			offsets: fc.array(fc.integer({ min: 0, max: 200_000 }), {
				minLength: 1,
				maxLength: 30,
			}),
		});
		await fc.assert(
			fc.asyncProperty(history, async ({ limit, windowMs, offsets }) => {
				const store = createMemoryRateLimitStore({ maxKeys: 8 });
				const times = offsets.map((o) => T0 + o).sort((a, b) => a - b);
				// The same history on three keys: one to read, two to probe.
				let state: RateLimitHit | undefined;
				for (const at of times) {
					state = await store.hit("state", windowMs, at);
					await store.hit("early", windowMs, at);
					await store.hit("exact", windowMs, at);
				}
				const now = times.at(-1) as number;
				if (!state) throw new Error("the history has at least one hit");
				const at = nextAllowedAt(state, limit, windowMs, now);
				expect(
					(await store.hit("exact", windowMs, at)).count,
				).toBeLessThanOrEqual(limit);
				if (at > now)
					expect(
						(await store.hit("early", windowMs, at - 1)).count,
					).toBeGreaterThan(limit);
			}),
			{ numRuns: 500 },
		);
	});

	it("folds identities: case, surrounding space and compatibility forms", async () => {
		const { consumeTimes } = setUp();
		await consumeTimes(1, [{ identity: "Ada@Example.COM" }]);
		await consumeTimes(1, [{ identity: "  ada@example.com " }]);
		const [third] = await consumeTimes(1, [{ identity: "ＡＤＡ@example.com" }]);
		expect(third).toMatchObject({ allowed: true, remaining: 0 });
		const [other] = await consumeTimes(1, [{ identity: "bob@example.com" }]);
		expect(other?.remaining).toBe(2);
	});

	it("counts an IPv6 /64 as one client", async () => {
		const { consumeTimes } = setUp();
		await consumeTimes(1, [{ ip: "2001:db8:1:2::1" }]);
		await consumeTimes(1, [{ ip: "2001:DB8:1:2:ffff:ffff:ffff:ffff" }]);
		const [third] = await consumeTimes(1, [{ ip: "[2001:db8:1:2:abcd::9]" }]);
		expect(third?.remaining).toBe(0);
		const [neighbour] = await consumeTimes(1, [{ ip: "2001:db8:1:3::1" }]);
		expect(neighbour?.remaining).toBe(2);
	});

	it("counts an IPv4-mapped IPv6 address as its IPv4 address", async () => {
		const { consumeTimes } = setUp();
		await consumeTimes(1, [{ ip: "203.0.113.7" }]);
		await consumeTimes(1, [{ ip: "::ffff:203.0.113.7" }]);
		const [third] = await consumeTimes(1, [{ ip: "::FFFF:cb00:7107" }]);
		expect(third?.remaining).toBe(0);
		const [other] = await consumeTimes(1, [{ ip: "203.0.113.8" }]);
		expect(other?.remaining).toBe(2);
	});

	it("keeps rules, kinds of part and combinations of parts apart", async () => {
		const { consumeTimes } = setUp();
		await consumeTimes(3, [{ ip: "203.0.113.7" }]);
		const refused = await consumeTimes(1, [{ ip: "203.0.113.7" }]);
		expect(refused[0]?.allowed).toBe(false);
		const separate: [RateLimitKeyPart[], string][] = [
			[[{ ip: "203.0.113.7" }], "signup"],
			[[{ identity: "203.0.113.7" }], "login"],
			[[{ ip: "203.0.113.7" }, { identity: "ada" }], "login"],
			[[{ identity: "ada" }, { ip: "203.0.113.7" }], "login"],
			[[], "login"],
		];
		for (const [parts, rule] of separate) {
			const [d] = await consumeTimes(1, parts, T0, rule);
			expect(d?.remaining, JSON.stringify([rule, parts])).toBe(2);
		}
	});

	it("resets one rule's key and nothing else", async () => {
		const { limiter, consumeTimes } = setUp();
		const ada = [{ identity: "ada" }];
		await consumeTimes(3, ada);
		await consumeTimes(3, ada, T0, "signup");
		await limiter.reset("login", [{ identity: "ADA" }]);
		expect((await limiter.consume("login", ada, T0)).remaining).toBe(2);
		expect((await limiter.consume("signup", ada, T0)).allowed).toBe(false);
	});

	it("stores a fixed-length hash, never the identity itself", async () => {
		const keys: string[] = [];
		const inner = createMemoryRateLimitStore();
		const recording: RateLimitStore = {
			hit: (key, windowMs, now) => {
				keys.push(key);
				return inner.hit(key, windowMs, now);
			},
			reset: (key) => inner.reset(key),
			close: () => inner.close(),
		};
		const limiter = createRateLimiter(recording, RULES);
		await limiter.consume("login", [{ identity: "ada@example.com" }]);
		await limiter.consume("login", [{ identity: "x".repeat(100_000) }]);
		expect(keys).toHaveLength(2);
		for (const key of keys) {
			expect(key).toMatch(/^login:[A-Za-z0-9_-]{43}$/);
			expect(key).not.toContain("ada");
		}
	});

	it("refuses unknown rules and rules it cannot enforce", async () => {
		const { limiter } = setUp();
		for (const rule of ["nope", "toString", "__proto__"])
			await expect(limiter.consume(rule, [])).rejects.toThrow(/Unknown/);
		await expect(limiter.reset("nope", [])).rejects.toThrow(/Unknown/);
		const store = createMemoryRateLimitStore();
		for (const bad of [
			{ limit: 0, windowMs: W },
			{ limit: 2.5, windowMs: W },
			{ limit: Number.NaN, windowMs: W },
			{ limit: 3, windowMs: 0 },
			{ limit: 3, windowMs: 0.5 },
		])
			expect(() => createRateLimiter(store, { bad })).toThrow(
				/Rate limit rule bad/,
			);
	});

	it("refuses a key part marked as an IP that is not one", async () => {
		const { limiter } = setUp();
		await expect(
			limiter.consume("login", [{ ip: "203.0.113.7, 10.0.0.1" }]),
		).rejects.toThrow(/Not an IP address/);
	});
});

describe("normalizeIp", () => {
	const cases: [string, string][] = [
		["203.0.113.7", "203.0.113.7"],
		[" 203.0.113.7 ", "203.0.113.7"],
		["::ffff:203.0.113.7", "203.0.113.7"],
		["::ffff:cb00:7107", "203.0.113.7"],
		["[::ffff:10.0.0.1]", "10.0.0.1"],
		["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
		["2001:0DB8:0001:0002::", "2001:db8:1:2::/64"],
		["2001:db8::1", "2001:db8::/64"],
		["2001:0:0:1::1", "2001:0:0:1::/64"],
		["2001::1:0:0:0:1", "2001:0:0:1::/64"],
		["fe80::1%eth0", "fe80::/64"],
		["[fe80::abcd%25en0]", "fe80::/64"],
		["::1", "::/64"],
		["::", "::/64"],
		// Not mapped: ::ffff:0:0/96 only, so these are IPv6 /64s like any other.
		["64:ff9b::203.0.113.7", "64:ff9b::/64"],
		["::203.0.113.7", "::/64"],
	];
	it.each(cases)("normalizes %s to %s", (input, expected) => {
		expect(normalizeIp(input)).toBe(expected);
	});

	it.each([
		"",
		"localhost",
		"203.0.113.7:443",
		"203.0.113.7, 10.0.0.1",
		"203.0.113.256",
		"2001:db8::1::2",
	])("throws for %j", (input) => {
		expect(() => normalizeIp(input)).toThrow(TypeError);
	});
});

describe("rateLimitHeaders", () => {
	it("sends the draft-06 fields without Retry-After while allowed", async () => {
		const { consumeTimes } = setUp();
		const [d] = await consumeTimes(1, [{ ip: "203.0.113.7" }], T0 + 10_500);
		expect(rateLimitHeaders(d as RateLimitDecision, T0 + 10_500)).toEqual({
			"RateLimit-Limit": "3",
			"RateLimit-Remaining": "2",
			"RateLimit-Reset": "50",
			"RateLimit-Policy": "3;w=60",
		});
	});

	it("adds Retry-After when refused, and the reset is no earlier", async () => {
		const { consumeTimes } = setUp();
		const decisions = await consumeTimes(
			4,
			[{ ip: "203.0.113.7" }],
			T0 + 10_000,
		);
		const headers = rateLimitHeaders(
			decisions[3] as RateLimitDecision,
			T0 + 10_000,
		);
		expect(headers).toMatchObject({
			"RateLimit-Remaining": "0",
			"RateLimit-Reset": "80",
			"Retry-After": "80",
		});
	});

	it("never sends a negative reset", () => {
		const d: RateLimitDecision = {
			allowed: true,
			limit: 3,
			windowMs: 1_500,
			remaining: 3,
			resetAt: 1_000,
			retryAfterSeconds: 0,
		};
		expect(rateLimitHeaders(d, 5_000)).toMatchObject({
			"RateLimit-Reset": "0",
			"RateLimit-Policy": "3;w=2",
		});
	});
});

describe("strictestDecision", () => {
	const base: RateLimitDecision = {
		allowed: true,
		limit: 10,
		windowMs: W,
		remaining: 5,
		resetAt: T0 + W,
		retryAfterSeconds: 0,
	};
	it("prefers the longest refusal, then the fewest remaining", () => {
		const fewer = { ...base, remaining: 1 };
		const refused = {
			...base,
			allowed: false,
			remaining: 0,
			retryAfterSeconds: 9,
		};
		const longer = { ...refused, retryAfterSeconds: 30 };
		expect(strictestDecision([base, fewer])).toBe(fewer);
		expect(strictestDecision([fewer, refused, base])).toBe(refused);
		expect(strictestDecision([refused, longer, fewer])).toBe(longer);
		expect(() => strictestDecision([])).toThrow();
	});
});
