import { LRUCache } from "lru-cache";

/** Options of createBoundedLru: lru-cache's, with the bound as a count of entries. */
export type BoundedLruOptions<K extends {}, V extends {}> = Omit<
	LRUCache.Options<K, V, unknown>,
	"max" | "maxSize" | "sizeCalculation"
> & {
	/** The most entries it holds; the least recently used goes first. */
	maxEntries: number;
};

/**
 * An LRU cache holding at most `maxEntries` entries, whose memory grows with the
 * entries it holds. lru-cache reserves its arrays for `max` entries when it is made
 * (about 50 bytes per entry with a time to live: 5 MB for a bound of 100 000 that a
 * quiet node never reaches); bounding the count through `maxSize`, with every entry
 * of size 1, makes it allocate as it fills instead.
 *
 * @example
 * const seen = createBoundedLru<string, true>({ maxEntries: 100_000, ttl: 2000 });
 */
export function createBoundedLru<K extends {}, V extends {}>(
	options: BoundedLruOptions<K, V>,
): LRUCache<K, V> {
	const { maxEntries, ...rest } = options;
	if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
		throw new RangeError(
			`maxEntries must be a whole number ≥ 1, got ${maxEntries}`,
		);
	return new LRUCache<K, V>({
		...rest,
		maxSize: maxEntries,
		sizeCalculation: () => 1,
	} as LRUCache.Options<K, V, unknown>);
}
