import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { CacheStore } from "../../../src/tools/cache/index.js";

/** Stores that share one state (peers, as nodes sharing a server), and their teardown. */
export interface CacheFixture {
	stores: CacheStore[];
	cleanup(): Promise<void>;
}

/**
 * The CacheStore contract every store keeps, one suite run against each real store:
 * misses, reads in order, overwrite, add-if-missing (atomic across peers), delete,
 * expiry, any text as key or value, and peers seeing each other's writes. Expiry is
 * waited for in real time: Memcached counts it in whole seconds on its own clock.
 */
export function cacheStoreContract(
	name: string,
	open: (peers: number) => Promise<CacheFixture>,
): void {
	describe(`CacheStore contract: ${name}`, () => {
		let fixture: CacheFixture | undefined;
		afterEach(async () => {
			await fixture?.cleanup();
			fixture = undefined;
		});
		async function setUp(peers = 1): Promise<CacheStore[]> {
			fixture = await open(peers);
			return fixture.stores;
		}
		async function store(): Promise<CacheStore> {
			const [first] = await setUp();
			if (!first) throw new Error("the fixture opened no store");
			return first;
		}
		const MINUTE = 60_000;

		it("misses keys it never stored, one undefined per key", async () => {
			const s = await store();
			expect(await s.getMany(["a", "b", "c"])).toEqual([
				undefined,
				undefined,
				undefined,
			]);
			expect(await s.getMany([])).toEqual([]);
		});

		it("reads stored values back in the order asked, misses in their places", async () => {
			const s = await store();
			await s.set("one", "1", MINUTE);
			await s.set("three", "3", MINUTE);
			expect(await s.getMany(["three", "two", "one"])).toEqual([
				"3",
				undefined,
				"1",
			]);
			expect(await s.getMany(["one"])).toEqual(["1"]);
		});

		it("overwrites a value with set", async () => {
			const s = await store();
			await s.set("k", "old", MINUTE);
			await s.set("k", "new", MINUTE);
			expect(await s.getMany(["k"])).toEqual(["new"]);
		});

		it("adds only a missing key, and tells whether it did", async () => {
			const s = await store();
			expect(await s.add("k", "first", MINUTE)).toBe(true);
			expect(await s.add("k", "second", MINUTE)).toBe(false);
			expect(await s.getMany(["k"])).toEqual(["first"]);
		});

		it("lets exactly one of many concurrent adds of a key win, across peers", async () => {
			const peers = await setUp(3);
			const results = await Promise.all(
				Array.from({ length: 30 }, (_, i) =>
					(peers[i % peers.length] as CacheStore).add("race", `v${i}`, MINUTE),
				),
			);
			expect(results.filter(Boolean)).toHaveLength(1);
			const winner = results.indexOf(true);
			for (const peer of peers)
				expect(await peer.getMany(["race"])).toEqual([`v${winner}`]);
		});

		it("forgets a deleted key; deleting a missing key is no error", async () => {
			const s = await store();
			await s.set("k", "v", MINUTE);
			await s.delete("k");
			await s.delete("never-there");
			expect(await s.getMany(["k"])).toEqual([undefined]);
			expect(await s.add("k", "again", MINUTE)).toBe(true);
		});

		it("lets an entry expire after its time to live, and keeps one that has time left", async () => {
			const s = await store();
			await s.set("short", "s", 1000);
			await s.set("long", "l", MINUTE);
			expect(await s.add("short-add", "a", 1000)).toBe(true);
			await sleep(2_100);
			expect(await s.getMany(["short", "long", "short-add"])).toEqual([
				undefined,
				"l",
				undefined,
			]);
		});

		it("keeps any text: unicode, quotes, newlines, the empty string, half a megabyte", async () => {
			const s = await store();
			const values = {
				unicode: 'Åsa 🚀 "quoted" \\ back\nslash\r\n\t',
				empty: "",
				large: "x".repeat(512 * 1024),
				json: JSON.stringify({ items: [{ id: "a", n: 1 }], page: 1 }),
			};
			for (const [key, value] of Object.entries(values))
				await s.set(key, value, MINUTE);
			expect(await s.getMany(Object.keys(values))).toEqual(
				Object.values(values),
			);
		});

		it("takes keys with spaces, unicode and any length, without mixing them up", async () => {
			const s = await store();
			const long = "k".repeat(400);
			const keys = [
				"with space",
				"ünïcödé:🔑",
				`${long}1`,
				`${long}2`,
				"line\nbreak",
			];
			for (const [i, key] of keys.entries()) await s.set(key, `v${i}`, MINUTE);
			expect(await s.getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
		});

		it("refuses a time to live that is not a positive number", async () => {
			const s = await store();
			await expect(s.set("k", "v", 0)).rejects.toThrow(RangeError);
			await expect(s.set("k", "v", Number.NaN)).rejects.toThrow(RangeError);
			await expect(s.add("k", "v", -5)).rejects.toThrow(RangeError);
			expect(await s.getMany(["k"])).toEqual([undefined]);
		});
	});
}

/** The contract's peers clause, for stores that are shared (Redis, Memcached). */
export function sharedStoreContract(
	name: string,
	open: (peers: number) => Promise<CacheFixture>,
): void {
	describe(`shared CacheStore: ${name}`, () => {
		it("shows one peer's writes and deletes to another at once", async () => {
			const fixture = await open(2);
			try {
				const [a, b] = fixture.stores as [CacheStore, CacheStore];
				await a.set("k", "from a", 60_000);
				expect(await b.getMany(["k"])).toEqual(["from a"]);
				await b.set("k", "from b", 60_000);
				expect(await a.getMany(["k"])).toEqual(["from b"]);
				await a.delete("k");
				expect(await b.getMany(["k"])).toEqual([undefined]);
			} finally {
				await fixture.cleanup();
			}
		});
	});
}
