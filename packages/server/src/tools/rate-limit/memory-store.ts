import { createBoundedLru } from "../memo/index.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import {
	countHit,
	type WindowCounters,
	weighWindows,
	windowStartOf,
} from "./sliding-window.js";

/** Options of the in-process store. */
export interface MemoryRateLimitStoreOptions {
	/** Most keys kept at once; the least recently hit is forgotten first. Default 100 000. */
	maxKeys?: number;
}

/** The in-process store, which also tells how many keys it holds. */
export interface MemoryRateLimitStore extends RateLimitStore {
	/** Keys held now, never more than maxKeys. */
	readonly size: number;
}

/**
 * Creates a store that keeps counters in this process, in an LRU cache of at most
 * `maxKeys` keys, so an attacker who rotates keys (addresses, identities) cannot
 * grow it without bound: at the default 100 000 keys, each a rule name, a 43-char
 * hash and three numbers, it stays in the tens of MB. The price: a key pushed out
 * starts again at zero, so whoever can make `maxKeys` fresh keys within two windows
 * can clear one key's count. Size it well above the keys active in two windows; the
 * per-IP rules bound how fast one client makes keys. Processes do not share counts:
 * behind a load balancer use the Redis store.
 *
 * @example
 * const store = createMemoryRateLimitStore({ maxKeys: 50_000 });
 */
export function createMemoryRateLimitStore(
	options: MemoryRateLimitStoreOptions = {},
): MemoryRateLimitStore {
	const { maxKeys = 100_000 } = options;
	if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
		throw new Error("maxKeys must be an integer ≥ 1");
	const counters = createBoundedLru<string, WindowCounters>({
		maxEntries: maxKeys,
	});
	return {
		get size() {
			return counters.size;
		},
		async hit(key, windowMs, now) {
			const start = windowStartOf(now, windowMs);
			const next = countHit(counters.get(key), start, windowMs);
			counters.set(key, next);
			return weighWindows(next, windowMs, now);
		},
		async reset(key) {
			counters.delete(key);
		},
		async close() {
			counters.clear();
		},
	};
}
