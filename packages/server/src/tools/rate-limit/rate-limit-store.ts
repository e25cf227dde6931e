/**
 * What a store answers for one hit. The store keeps two fixed-window counters per
 * key, and `count` weighs them as a sliding window (see sliding-window.ts).
 */
export interface RateLimitHit {
	/**
	 * Hits in the sliding window that ends now, this one included: the current fixed
	 * window's hits plus the previous window's, weighted by how much of the previous
	 * window the sliding window still overlaps, rounded up.
	 */
	count: number;
	/** When the current fixed window ends, in ms since the epoch. */
	resetAt: number;
	/** Hits counted in the current fixed window, this one included. */
	current: number;
	/** Hits counted in the previous fixed window. */
	previous: number;
}

/**
 * Counts hits per key in a sliding window counter: two fixed windows weighted, as
 * Cloudflare describes ("How we built rate limiting capable of scaling to millions
 * of domains", 2017). A fixed window lets a client spend its limit at the end of one
 * window and again at the start of the next, twice the limit in a moment; a sliding
 * log is exact but stores every hit. The counter stores two integers per key and
 * carries the previous window's hits into the next one, so that burst is refused.
 * Every hit counts, refused ones too: a client that keeps hammering stays refused,
 * one that waits as told (Retry-After) gets through.
 *
 * Implementations: createMemoryRateLimitStore (one process) and
 * createRedisRateLimitStore (processes that share limits).
 */
export interface RateLimitStore {
	/** Records a hit on `key` at `now` (ms) in windows of `windowMs`, and counts the key's hits. */
	hit(key: string, windowMs: number, now: number): Promise<RateLimitHit>;
	/** Forgets every hit on `key`. */
	reset(key: string): Promise<void>;
	/** Releases what the store holds; it is not used afterwards. */
	close(): Promise<void>;
}
