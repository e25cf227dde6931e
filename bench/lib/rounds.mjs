// Combining the rounds of one benchmark target (records/run.mjs, auth/auth.mjs,
// observability/observability.mjs).

/**
 * The fastest round of a target: background work only ever slows a round down, so
 * the best one is the closest to what the server can do. Failures of every round
 * are kept, so one bad round is still reported.
 */
export function bestOf(runs) {
	const best = runs.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
	const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
	return {
		...best,
		errors: sum("errors"),
		timeouts: sum("timeouts"),
		non2xx: sum("non2xx"),
		statusCodes: mergeCounts(runs.map((run) => run.statusCodes)),
	};
}

/**
 * The slices of one side of an interleaved comparison, as one run: the mean rate
 * (every slice lasts as long), and the median slice's p50 and p99. Failures of every
 * slice are kept.
 */
export function sliceTotal(slices) {
	const sum = (key) => slices.reduce((total, run) => total + run[key], 0);
	const median = (key) =>
		slices.map((run) => run[key]).sort((a, b) => a - b)[
			Math.floor(slices.length / 2)
		];
	return {
		reqPerSec: sum("reqPerSec") / slices.length,
		p50: median("p50"),
		p99: median("p99"),
		total: sum("total"),
		errors: sum("errors"),
		timeouts: sum("timeouts"),
		non2xx: sum("non2xx"),
		statusCodes: mergeCounts(slices.map((run) => run.statusCodes)),
	};
}

/** Adds up autocannon's `{ "200": { count } }` tallies of several runs. */
function mergeCounts(tallies) {
	const merged = {};
	for (const tally of tallies)
		for (const [status, { count }] of Object.entries(tally))
			merged[status] = (merged[status] ?? 0) + Number(count);
	return merged;
}
