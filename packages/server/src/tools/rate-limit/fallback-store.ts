import type { RateLimitStore } from "./rate-limit-store.js";

/** Options of the fallback store. */
export interface FallbackRateLimitStoreOptions {
	/** The shared store (Redis). */
	primary: RateLimitStore;
	/** Where hits are counted while the primary fails (this process's memory). */
	fallback: RateLimitStore;
	/** The current time in ms, for the pause after a failure. */
	nowMs?: () => number;
	/** Hears the primary failing (once per outage) and answering again. */
	onOutage?: (err: unknown) => void;
	onRecovery?: () => void;
}

/** After the primary failed, hits go to the fallback for this long before trying it again. */
const RETRY_AFTER_MS = 1000;

/**
 * Creates a store that counts in `primary` and, while it fails, in `fallback`: when
 * Redis is away, each node enforces the limits on its own (a client spread over N
 * nodes then gets up to N times the limit) instead of letting every request through.
 * A failed primary is left alone for a second, so an outage costs no wait per
 * request; the outage is reported once, and its end once.
 *
 * @example
 * const store = createFallbackRateLimitStore({ primary: redisStore, fallback: createMemoryRateLimitStore() });
 */
export function createFallbackRateLimitStore(
	options: FallbackRateLimitStoreOptions,
): RateLimitStore & { readonly primaryUp: boolean } {
	const { primary, fallback } = options;
	const nowMs = options.nowMs ?? Date.now;
	let retryAt = 0;
	let up = true;
	async function run<T>(
		work: (store: RateLimitStore) => Promise<T>,
	): Promise<T> {
		if (nowMs() < retryAt) return work(fallback);
		try {
			const result = await work(primary);
			if (!up) {
				up = true;
				options.onRecovery?.();
			}
			return result;
		} catch (err: unknown) {
			retryAt = nowMs() + RETRY_AFTER_MS;
			if (up) {
				up = false;
				options.onOutage?.(err);
			}
			return work(fallback);
		}
	}
	return {
		get primaryUp() {
			return up;
		},
		hit: (key, windowMs, now) => run((store) => store.hit(key, windowMs, now)),
		reset: (key) => run((store) => store.reset(key)),
		async close() {
			await primary.close();
			await fallback.close();
		},
	};
}
