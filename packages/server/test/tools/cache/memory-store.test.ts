import { describe, expect, it } from "vitest";
import { createMemoryCacheStore } from "../../../src/tools/cache/index.js";
import { cacheStoreContract } from "./cache-contract.js";

// One store is its own peer: a process shares its memory with itself only.
cacheStoreContract("memory", async (peers) => {
	const store = createMemoryCacheStore({ maxBytes: 8 * 1024 * 1024 });
	return {
		stores: Array.from({ length: peers }, () => store),
		cleanup: () => store.close(),
	};
});

describe("memory cache store", () => {
	it("never holds more bytes than its bound, evicting the least recently read first", async () => {
		const store = createMemoryCacheStore({ maxBytes: 10_000 });
		const value = "v".repeat(1_000); // about 2.1 KB counted
		for (const key of ["a", "b", "c", "d"]) await store.set(key, value, 60_000);
		await store.getMany(["a"]); // a is now the most recently used
		await store.set("e", value, 60_000);
		expect(store.bytes).toBeLessThanOrEqual(10_000);
		expect(await store.getMany(["a", "b", "e"])).toEqual([
			value,
			undefined,
			value,
		]);
		for (let i = 0; i < 100; i++) await store.set(`k${i}`, value, 60_000);
		expect(store.bytes).toBeLessThanOrEqual(10_000);
		expect(store.size).toBeLessThanOrEqual(4);
	});

	it("refuses a value larger than the whole bound instead of emptying itself", async () => {
		const store = createMemoryCacheStore({ maxBytes: 10_000 });
		await store.set("small", "s", 60_000);
		await store.set("huge", "h".repeat(20_000), 60_000);
		expect(await store.getMany(["small", "huge"])).toEqual(["s", undefined]);
		expect(await store.add("huge", "h".repeat(20_000), 60_000)).toBe(false);
	});

	it("counts two bytes a character, so a bound holds for any text", async () => {
		const store = createMemoryCacheStore({ maxBytes: 100_000 });
		await store.set("k", "é".repeat(10_000), 60_000);
		expect(store.bytes).toBeGreaterThanOrEqual(20_000);
		await store.delete("k");
		expect(store.bytes).toBe(0);
	});

	it("refuses a bound too small to hold an answer", () => {
		expect(() => createMemoryCacheStore({ maxBytes: 10 })).toThrow(RangeError);
		expect(() => createMemoryCacheStore({ maxBytes: 1.5e3 + 0.5 })).toThrow(
			RangeError,
		);
	});
});
