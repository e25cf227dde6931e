import { describe, expect, it } from "vitest";
import { createMemoryRateLimitStore } from "../../../src/tools/rate-limit/index.js";
import { rateLimitStoreContract } from "./rate-limit-contract.js";

rateLimitStoreContract("memory", async (peers) => {
	// One process: its peers are the same store.
	const store = createMemoryRateLimitStore();
	return {
		stores: Array.from({ length: peers }, () => store),
		cleanup: () => store.close(),
	};
});

describe("memory rate-limit store", () => {
	const W = 60_000;

	it("holds at most maxKeys keys however many are hit", async () => {
		const store = createMemoryRateLimitStore({ maxKeys: 100 });
		for (let i = 0; i < 1_000; i++) {
			await store.hit(`rotating-${i}`, W, 0);
			await store.hit("steady", W, 0);
			expect(store.size).toBeLessThanOrEqual(100);
		}
		expect(store.size).toBe(100);
		// The key hit all along is the most recently used: it kept its count.
		expect((await store.hit("steady", W, 0)).count).toBe(1_001);
		// The trade-off: an evicted key starts again at zero.
		expect((await store.hit("rotating-0", W, 0)).count).toBe(1);
		expect((await store.hit("rotating-999", W, 0)).count).toBe(2);
	});

	it("empties on close", async () => {
		const store = createMemoryRateLimitStore();
		await store.hit("k", W, 0);
		expect(store.size).toBe(1);
		await store.close();
		expect(store.size).toBe(0);
	});

	it("refuses a maxKeys it cannot honour", () => {
		expect(() => createMemoryRateLimitStore({ maxKeys: 0 })).toThrow(/maxKeys/);
		expect(() => createMemoryRateLimitStore({ maxKeys: 1.5 })).toThrow(
			/maxKeys/,
		);
	});
});
