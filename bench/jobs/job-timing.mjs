// Timing helpers shared by the children of `npm run bench:jobs` (bench/jobs/jobs.mjs).
import { setTimeout as sleep } from "node:timers/promises";

/** How often a wait looks again; small next to the seconds a run takes. */
const CHECK_MS = 2;
/** How often the paced enqueuer sends what is due. */
const TICK_MS = 2;

/**
 * Calls `enqueueOne(i)` for i = 0 … count-1 with at most `window` calls in flight,
 * as that many concurrent requests would. Resolves once every call has answered.
 */
export async function enqueueAll(count, window, enqueueOne) {
	let next = 0;
	const lane = async () => {
		while (next < count) await enqueueOne(next++);
	};
	await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/**
 * Enqueues at a steady `rate` per second for `seconds`, as a stream of requests would:
 * every tick it sends the jobs due by now without waiting for earlier ones to answer.
 * `enqueueOne(elapsedSeconds)` stamps its own payload, so a late tick does not count
 * as latency. Resolves with the number sent once every call has answered.
 */
export async function paceEnqueues({ rate, seconds, enqueueOne }) {
	const total = Math.round(rate * seconds);
	const pending = [];
	let failure;
	const started = performance.now();
	let sent = 0;
	while (sent < total) {
		const elapsed = (performance.now() - started) / 1000;
		const due = Math.min(total, Math.floor(elapsed * rate));
		for (; sent < due; sent++)
			pending.push(
				enqueueOne(elapsed).catch((err) => {
					failure ??= err;
				}),
			);
		await sleep(TICK_MS);
	}
	await Promise.all(pending);
	if (failure) throw failure;
	return total;
}

/** Counts handler runs, so a run's end is seen without querying the queue. */
export function createCounter() {
	let count = 0;
	return {
		hit() {
			count += 1;
		},
		get count() {
			return count;
		},
	};
}

/** Resolves once `check()` is true; throws after `timeoutMs`, naming what it waited for. */
export async function waitUntil(check, what, timeoutMs) {
	const deadline = performance.now() + timeoutMs;
	while (!(await check())) {
		if (performance.now() > deadline)
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await sleep(CHECK_MS);
	}
}

/** Summarises latency samples (ms) as p50, p99 and max, ranked as bench/lib/load.mjs does. */
export function summarizeLatency(samples) {
	const sorted = Float64Array.from(samples).sort();
	const at = (p) =>
		sorted.length === 0
			? Number.NaN
			: sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
	return {
		samples: sorted.length,
		p50: at(0.5),
		p99: at(0.99),
		max: at(1),
	};
}
