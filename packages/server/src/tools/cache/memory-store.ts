import { LRUCache } from "lru-cache";
import { assertTtl, type CacheStore } from "./cache-store.js";

/** Options of the in-process store. */
export interface MemoryCacheStoreOptions {
	/** Most bytes held, keys and values counted as UTF-16 (2 bytes a character). */
	maxBytes: number;
}

/** The in-process store, which also tells what it holds. */
export interface MemoryCacheStore extends CacheStore {
	/** Bytes held now, never more than maxBytes. */
	readonly bytes: number;
	/** Entries held now. */
	readonly size: number;
}

/**
 * A JavaScript string of n characters takes about 2n bytes in V8 when it is not pure
 * Latin-1, and the entry itself (key, value, LRU links, the TTL slot) about a hundred
 * more: counting 2 bytes a character plus 100 keeps the bound honest for any text.
 */
const ENTRY_OVERHEAD_BYTES = 100;

/**
 * Creates a store in this process: an LRU bounded by bytes (lru-cache's `maxSize`), so
 * a burst of large answers evicts the least recently used ones instead of growing the
 * heap. A value larger than the whole bound is not stored. Reads of an expired entry
 * miss (`ttlAutopurge` is off: expired entries are dropped when read or evicted, which
 * costs no timer per entry).
 *
 * @example
 * const store = createMemoryCacheStore({ maxBytes: 64 * 1024 * 1024 });
 */
export function createMemoryCacheStore(
	options: MemoryCacheStoreOptions,
): MemoryCacheStore {
	const { maxBytes } = options;
	if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024)
		throw new RangeError("maxBytes must be an integer ≥ 1024");
	const entries = new LRUCache<string, string>({
		maxSize: maxBytes,
		sizeCalculation: (value, key) =>
			2 * (value.length + key.length) + ENTRY_OVERHEAD_BYTES,
		ttlAutopurge: false,
		// A value the bound cannot hold is refused instead of emptying the cache.
		maxEntrySize: maxBytes,
	});
	return {
		kind: "memory",
		get bytes() {
			return entries.calculatedSize;
		},
		get size() {
			return entries.size;
		},
		async getMany(keys) {
			return keys.map((key) => entries.get(key));
		},
		async set(key, value, ttlMs) {
			assertTtl(ttlMs);
			entries.set(key, value, { ttl: ttlMs });
		},
		async add(key, value, ttlMs) {
			assertTtl(ttlMs);
			if (entries.has(key)) return false;
			entries.set(key, value, { ttl: ttlMs });
			return entries.has(key);
		},
		async delete(key) {
			entries.delete(key);
		},
		async close() {
			entries.clear();
		},
	};
}
