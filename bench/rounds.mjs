// Combining the rounds of one benchmark target (run.mjs and auth.mjs).

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

/** Adds up autocannon's `{ "200": { count } }` tallies of several runs. */
function mergeCounts(tallies) {
	const merged = {};
	for (const tally of tallies)
		for (const [status, { count }] of Object.entries(tally))
			merged[status] = (merged[status] ?? 0) + Number(count);
	return merged;
}
