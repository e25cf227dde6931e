import { Counter, Gauge, type Registry } from "prom-client";

/** The caches Basalt counts. */
export type CacheName = "view_query" | "account" | "access_token";

/** Hears one cache lookup: whether it hit, and the collection it was for. */
export type CacheLookupCounter = (hit: boolean, collection: string) => void;

/** What the response cache reports at each scrape. */
export interface ResponseCacheState {
	/** The store's kind (`memory`, `redis`, `memcached`). */
	store: string;
	/** Whether the store answered the last time it was asked. */
	up: boolean;
	/** Bytes held by an in-process store; undefined for a shared one. */
	bytes: number | undefined;
	/** Each collection whose `cache` is not `off`, and whether it caches now. */
	collections: { name: string; active: boolean }[];
}

/** The cache metrics of one App. */
export interface CacheMetrics {
	/** The lookup counter of one cache, for that cache's factory. */
	counterFor(cache: CacheName): CacheLookupCounter;
	/** Counts one record read of the response cache by outcome (`X-Cache`). */
	countResponse(outcome: "HIT" | "MISS" | "BYPASS", collection: string): void;
	/** Reports the response cache's state at each scrape. */
	observeResponseCache(state: () => ResponseCacheState): void;
}

/**
 * The cache metrics: lookups of each cache by collection and result. A lookup costs
 * one map read and one addition: counters are bound to their labels once.
 */
export function createCacheMetrics(register: Registry): CacheMetrics {
	const lookups = new Counter({
		name: "basalt_cache_requests_total",
		help: "Cache lookups by cache, collection and result (hit or miss; the response cache also bypass).",
		labelNames: ["cache", "collection", "result"] as const,
		registers: [register],
	});
	const responses = new Map<string, Counter.Internal>();
	return {
		observeResponseCache(state) {
			new Gauge({
				name: "basalt_response_cache_active",
				help: "1 when the node caches a collection's read answers now (cache mode `on`, or `auto` while it decides so), else 0; collections whose mode is `off` are left out.",
				labelNames: ["collection"] as const,
				registers: [register],
				collect() {
					this.reset();
					for (const c of state().collections)
						this.labels({ collection: c.name }).set(c.active ? 1 : 0);
				},
			});
			new Gauge({
				name: "basalt_response_cache_store_up",
				help: "1 when the response cache's store answered the last time it was asked, else 0 (reads then go around the cache).",
				labelNames: ["store"] as const,
				registers: [register],
				collect() {
					const { store, up } = state();
					this.reset();
					this.labels({ store }).set(up ? 1 : 0);
				},
			});
			new Gauge({
				name: "basalt_response_cache_bytes",
				help: "Bytes the in-process response cache holds (keys and values counted), bounded by BASALT_CACHE_MAX_BYTES; absent for a shared store.",
				registers: [register],
				collect() {
					const { bytes } = state();
					this.reset();
					if (bytes !== undefined) this.set(bytes);
				},
			});
		},
		countResponse(outcome, collection) {
			const key = `${outcome}${collection}`;
			let counter = responses.get(key);
			if (!counter) {
				counter = lookups.labels({
					cache: "response",
					collection,
					result: outcome.toLowerCase(),
				});
				responses.set(key, counter);
			}
			counter.inc();
		},
		counterFor(cache: CacheName): CacheLookupCounter {
			const bound = new Map<string, Counter.Internal>();
			return function countLookup(hit, collection) {
				const key = `${hit ? "h" : "m"}${collection}`;
				let counter = bound.get(key);
				if (!counter) {
					counter = lookups.labels({
						cache,
						collection,
						result: hit ? "hit" : "miss",
					});
					bound.set(key, counter);
				}
				counter.inc();
			};
		},
	};
}
