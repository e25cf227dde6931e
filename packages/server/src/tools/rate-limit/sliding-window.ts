import type { RateLimitHit } from "./rate-limit-store.js";

/**
 * The two counters a store keeps per key: hits in the fixed window starting at
 * `start` (ms since the epoch, a multiple of the window length) and in the one before.
 */
export interface WindowCounters {
	start: number;
	current: number;
	previous: number;
}

/** Returns the start of the fixed window of `windowMs` that holds `now`. */
export function windowStartOf(now: number, windowMs: number): number {
	return Math.floor(now / windowMs) * windowMs;
}

/**
 * Adds one hit at window `start` to a key's counters (undefined for a new key) and
 * returns the new counters. Counters one window old become the previous window;
 * older ones are dropped. Counters that are newer than `start` (another process,
 * whose clock runs ahead, already moved to the next window) take the hit as they
 * are, so clock skew between processes never throws counts away. The Redis store's
 * Lua script does exactly this.
 */
export function countHit(
	stored: WindowCounters | undefined,
	start: number,
	windowMs: number,
): WindowCounters {
	if (stored && stored.start >= start)
		return { ...stored, current: stored.current + 1 };
	const previous = stored?.start === start - windowMs ? stored.current : 0;
	return { start, current: 1, previous };
}

/**
 * Weighs a key's counters at `now` as a sliding window: the previous window counts
 * for the share of it that the window of `windowMs` ending at `now` still covers.
 * Rounding up keeps the decision exact: ceil(x) ≤ limit exactly when x ≤ limit.
 * `previous × remaining ms` stays an exact integer below 2^53 for any sane limit and
 * window, so the float division cannot round a count across an integer.
 */
export function weighWindows(
	counters: WindowCounters,
	windowMs: number,
	now: number,
): RateLimitHit {
	const resetAt = counters.start + windowMs;
	const covered = Math.min(windowMs, Math.max(0, resetAt - now));
	const weighted = Math.ceil((counters.previous * covered) / windowMs);
	return {
		count: counters.current + weighted,
		resetAt,
		current: counters.current,
		previous: counters.previous,
	};
}

/**
 * Returns the earliest time (ms) at which one more hit on the key would be within
 * `limit`, if nothing else hits it meanwhile: `now` when one is left. In this window
 * that is when ceil(previous·(end − t)/W) + current + 1 ≤ limit; failing that, in the
 * next window, whose previous window is this one: ceil(current·(end + W − t)/W) + 1
 * ≤ limit. Two windows on, the key is empty, so the answer is never later than that.
 */
export function nextAllowedAt(
	hit: RateLimitHit,
	limit: number,
	windowMs: number,
	now: number,
): number {
	const { current, previous, resetAt: end } = hit;
	const spare = limit - current - 1;
	if (spare >= 0) {
		if (previous <= spare) return now;
		const at = end - Math.floor((spare * windowMs) / previous);
		if (at < end) return Math.max(now, at);
	}
	const carried = Math.floor(((limit - 1) * windowMs) / Math.max(current, 1));
	return Math.max(end, now, end + windowMs - carried);
}
