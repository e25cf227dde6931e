import type { Redis } from "ioredis";
import { assertTtl, type CacheStore } from "./cache-store.js";

/** Options of the Redis store. */
export interface RedisCacheStoreOptions {
	/** The connection; the caller owns it, and closes it after the store. */
	redis: Redis;
	/** Prepended to every key. Default `basalt:cache:`. */
	prefix?: string;
}

/**
 * Creates a store in Redis, shared by every node that uses the same server and
 * prefix. A read of several keys is one MGET; a write is one SET with PX (and NX for
 * `add`), so every entry expires on its own. Memory is Redis's to bound: give the
 * cache a database or server with `maxmemory` and an `allkeys-lru` policy, not the
 * one BullMQ uses, which needs `noeviction` (docs/caching.md#stores). Keys of one
 * read may live in different hash slots, so Redis Cluster is not supported.
 *
 * @example
 * const store = createRedisCacheStore({ redis: new Redis(url), prefix: "app1:cache:" });
 */
export function createRedisCacheStore(
	options: RedisCacheStoreOptions,
): CacheStore {
	const { redis, prefix = "basalt:cache:" } = options;
	return {
		kind: "redis",
		async getMany(keys) {
			if (keys.length === 0) return [];
			const values =
				keys.length === 1
					? [await redis.get(prefix + keys[0])]
					: await redis.mget(keys.map((key) => prefix + key));
			return values.map((value) => value ?? undefined);
		},
		async set(key, value, ttlMs) {
			assertTtl(ttlMs);
			await redis.set(prefix + key, value, "PX", Math.ceil(ttlMs));
		},
		async add(key, value, ttlMs) {
			assertTtl(ttlMs);
			const done = await redis.set(
				prefix + key,
				value,
				"PX",
				Math.ceil(ttlMs),
				"NX",
			);
			return done === "OK";
		},
		async delete(key) {
			await redis.del(prefix + key);
		},
		async close() {},
	};
}
