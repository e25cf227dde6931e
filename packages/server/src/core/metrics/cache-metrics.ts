import { Counter, type Registry } from "prom-client";

/** The caches Basalt counts. */
export type CacheName = "view_query" | "account" | "access_token";

/** Hears one cache lookup: whether it hit, and the collection it was for. */
export type CacheLookupCounter = (hit: boolean, collection: string) => void;

/** The cache metrics of one App. */
export interface CacheMetrics {
	/** The lookup counter of one cache, for that cache's factory. */
	counterFor(cache: CacheName): CacheLookupCounter;
}

/**
 * The cache metrics: lookups of each cache by collection and result. A lookup costs
 * one map read and one addition: counters are bound to their labels once.
 */
export function createCacheMetrics(register: Registry): CacheMetrics {
	const lookups = new Counter({
		name: "basalt_cache_requests_total",
		help: "Cache lookups by cache, collection and result (hit or miss).",
		labelNames: ["cache", "collection", "result"] as const,
		registers: [register],
	});
	return {
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
