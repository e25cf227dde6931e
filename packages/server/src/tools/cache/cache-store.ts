/**
 * A key-value store for cached answers: in this process (createMemoryCacheStore), or
 * shared by every node of a deployment (createRedisCacheStore,
 * createMemcachedCacheStore). Values are strings (JSON text); every value has a
 * time to live, so a store never holds an entry forever. A store may forget any
 * entry at any time (eviction, a restart): callers treat a missing key as a miss and
 * never as "nothing changed".
 *
 * Errors (the server down, a timeout) reject the promise; the caller decides to go
 * on without the cache. A store never retries on its own for longer than a request
 * can wait.
 */
export interface CacheStore {
	/** `memory`, `redis` or `memcached`: for logs, metrics and readiness. */
	readonly kind: CacheStoreKind;
	/** The values of `keys` in order, undefined for each missing one; one round trip. */
	getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
	/** Stores `value` under `key` for `ttlMs` (at least one second on Memcached). */
	set(key: string, value: string, ttlMs: number): Promise<void>;
	/** Stores `value` only when `key` is missing; tells whether it did. */
	add(key: string, value: string, ttlMs: number): Promise<boolean>;
	/** Forgets `key`; a missing key is not an error. */
	delete(key: string): Promise<void>;
	/** Releases what the store holds (connections it made); it is not used afterwards. */
	close(): Promise<void>;
}

/** The stores there are (BASALT_CACHE_STORE). */
export const cacheStoreKinds = ["memory", "redis", "memcached"] as const;
/** One of cacheStoreKinds. */
export type CacheStoreKind = (typeof cacheStoreKinds)[number];

/** Checks a time to live: a positive number of ms. */
export function assertTtl(ttlMs: number): void {
	if (!Number.isFinite(ttlMs) || ttlMs <= 0)
		throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
}
