import { describe, expect, it } from "vitest";
import { createBoundedLru } from "../../../src/tools/memo/index.js";

describe("createBoundedLru", () => {
	it("holds at most maxEntries, dropping the least recently used first", () => {
		const lru = createBoundedLru<string, number>({ maxEntries: 3 });
		lru.set("a", 1);
		lru.set("b", 2);
		lru.set("c", 3);
		expect(lru.get("a")).toBe(1); // "b" is now the least recently used
		lru.set("d", 4);
		expect(lru.size).toBe(3);
		expect([...lru.keys()].sort()).toEqual(["a", "c", "d"]);
		for (let i = 0; i < 1000; i++) lru.set(`k${i}`, i);
		expect(lru.size).toBe(3);
		expect([...lru.keys()].sort()).toEqual(["k997", "k998", "k999"]);
	});

	it("keeps lru-cache's time to live", () => {
		let now = 1000;
		const lru = createBoundedLru<string, true>({
			maxEntries: 10,
			ttl: 50,
			ttlAutopurge: false,
			// lru-cache reads the clock at most once per ttlResolution ms.
			ttlResolution: 0,
			perf: { now: () => now },
		});
		lru.set("k", true);
		now += 49;
		expect(lru.has("k")).toBe(true);
		now += 2;
		expect(lru.has("k")).toBe(false);
	});

	it("refuses a bound that is not a whole number of at least 1", () => {
		for (const maxEntries of [0, -1, 1.5, Number.NaN])
			expect(() => createBoundedLru({ maxEntries })).toThrow(RangeError);
	});
});
