import { afterEach, describe, expect, it } from "vitest";
import {
	createRateLimiter,
	type RateLimitStore,
} from "../../../src/tools/rate-limit/index.js";

/** Stores that share one state (peers, as processes sharing a Redis), and their teardown. */
export interface StoreFixture {
	stores: RateLimitStore[];
	cleanup(): Promise<void>;
}

const W = 60_000;
/** The start of a window: offsets from it read as times within the window. */
const T0 = 28_333_334 * W;

/**
 * The RateLimitStore contract every store keeps, one suite run against each (as
 * bullmq's adapter-conformance tests do): counting in a window, the sliding weight
 * of the previous window, expiry, independent keys, reset, clock skew between
 * processes, and atomic counting under concurrency. Time is injected, never read.
 */
export function rateLimitStoreContract(
	name: string,
	open: (peers: number) => Promise<StoreFixture>,
): void {
	describe(`RateLimitStore contract: ${name}`, () => {
		let fixture: StoreFixture | undefined;
		afterEach(async () => {
			await fixture?.cleanup();
			fixture = undefined;
		});
		async function setUp(peers = 1): Promise<RateLimitStore[]> {
			fixture = await open(peers);
			return fixture.stores;
		}
		async function store(): Promise<RateLimitStore> {
			const [first] = await setUp();
			if (!first) throw new Error("the fixture opened no store");
			return first;
		}
		const hits = async (
			s: RateLimitStore,
			key: string,
			n: number,
			at: number,
		) => {
			for (let i = 0; i < n; i++) await s.hit(key, W, at);
		};

		it("counts the hits of one window and says when it ends", async () => {
			const s = await store();
			const counts = [];
			for (const at of [T0, T0 + 1_000, T0 + W - 1])
				counts.push(await s.hit("k", W, at));
			expect(counts.map((h) => h.count)).toEqual([1, 2, 3]);
			expect(counts.at(-1)).toEqual({
				count: 3,
				resetAt: T0 + W,
				current: 3,
				previous: 0,
			});
		});

		it("starts from zero once two windows have passed", async () => {
			const s = await store();
			await hits(s, "k", 5, T0);
			expect(await s.hit("k", W, T0 + 2 * W)).toEqual({
				count: 1,
				resetAt: T0 + 3 * W,
				current: 1,
				previous: 0,
			});
		});

		it("weighs the previous window, so the limit cannot be spent twice at an edge", async () => {
			const s = await store();
			await hits(s, "k", 10, T0 + W - 1);
			// A fixed window would start again at 1 here; the sliding window still sees all 10.
			const edge = await s.hit("k", W, T0 + W);
			expect(edge).toEqual({
				count: 11,
				resetAt: T0 + 2 * W,
				current: 1,
				previous: 10,
			});
			// Halfway through, half of the previous window is still covered: 5 + 2.
			expect((await s.hit("k", W, T0 + 1.5 * W)).count).toBe(7);
			// A quarter covered: ceil(2.5) + 3, rounded up so the limit is never exceeded.
			expect((await s.hit("k", W, T0 + 1.75 * W)).count).toBe(6);
			expect((await s.hit("k", W, T0 + 2 * W - 1)).count).toBe(5);
			// The next window weighs this one (4 hits) in turn.
			expect(await s.hit("k", W, T0 + 2 * W)).toMatchObject({
				count: 5,
				current: 1,
				previous: 4,
			});
		});

		it("keeps keys apart", async () => {
			const s = await store();
			await hits(s, "a", 3, T0);
			expect((await s.hit("b", W, T0)).count).toBe(1);
			expect((await s.hit("a:b", W, T0)).count).toBe(1);
			expect((await s.hit("a", W, T0)).count).toBe(4);
		});

		it("forgets a key on reset, and only that key", async () => {
			const s = await store();
			await hits(s, "a", 3, T0);
			await hits(s, "b", 2, T0);
			await s.reset("a");
			await s.reset("never-hit");
			expect(await s.hit("a", W, T0 + W)).toMatchObject({
				count: 1,
				previous: 0,
			});
			expect((await s.hit("b", W, T0)).count).toBe(3);
		});

		it("loses no hit when a peer's clock is a window behind", async () => {
			const [ahead, behind] = await setUp(2);
			if (!ahead || !behind) throw new Error("two peers expected");
			await hits(ahead, "k", 3, T0);
			await ahead.hit("k", W, T0 + W);
			// This peer still thinks it is window 0: its hit joins window 1 instead of
			// resetting it.
			expect(await behind.hit("k", W, T0 + W - 5)).toMatchObject({
				current: 2,
				previous: 3,
				resetAt: T0 + 2 * W,
			});
			expect((await ahead.hit("k", W, T0 + W)).count).toBe(6);
		});

		it("counts 100 concurrent hits from several peers as 1 to 100", async () => {
			const peers = await setUp(4);
			const counted = await Promise.all(
				Array.from({ length: 100 }, (_, i) =>
					(peers[i % peers.length] as RateLimitStore).hit("k", W, T0 + 7),
				),
			);
			const counts = counted.map((h) => h.count).sort((a, b) => a - b);
			expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
		});

		it("lets exactly `limit` of 100 concurrent requests through a limiter", async () => {
			const peers = await setUp(4);
			const limiters = peers.map((s) =>
				createRateLimiter(s, { login: { limit: 10, windowMs: W } }),
			);
			const decisions = await Promise.all(
				Array.from({ length: 100 }, (_, i) =>
					limiters[i % limiters.length]?.consume(
						"login",
						[{ ip: "203.0.113.7" }],
						T0 + 7,
					),
				),
			);
			const allowed = decisions.filter((d) => d?.allowed);
			expect(allowed).toHaveLength(10);
			expect(allowed.map((d) => d?.remaining).sort()).toEqual([
				0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
			]);
		});
	});
}
