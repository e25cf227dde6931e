// The records benchmark's table: each scenario's rates over all its runs, the ratio
// of each run, and how far the runs lie apart.
import { formatTable as formatColumns } from "../lib/baseline-report.mjs";

const COLUMNS = [
	["scenario", (r) => r.name],
	["basalt req/s", (r) => whole(meanOf(r, "basalt", "reqPerSec"))],
	["p50 ms", (r) => ms(meanOf(r, "basalt", "p50"))],
	["p99 ms", (r) => ms(meanOf(r, "basalt", "p99"))],
	["bare req/s", (r) => whole(meanOf(r, "bare", "reqPerSec"))],
	["p50 ms", (r) => ms(meanOf(r, "bare", "p50"))],
	["p99 ms", (r) => ms(meanOf(r, "bare", "p99"))],
	[
		"ratio per run",
		(r) => r.runs.map((run) => runRatio(run).toFixed(2)).join(" "),
	],
	["spread", (r) => spreadOf(r).toFixed(2)],
	["ratio", (r) => ratioOf(r).toFixed(2)],
	["goal", (r) => r.goal.toFixed(2)],
	["verdict", (r) => (ratioOf(r) >= r.goal ? "PASS" : "BELOW")],
];

const whole = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => n.toFixed(2);
const meanOf = (row, target, key) =>
	row.runs.reduce((total, run) => total + run[target][key], 0) /
	row.runs.length;
const runRatio = (run) => run.basalt.reqPerSec / run.bare.reqPerSec;

/** Basalt's throughput as a fraction of the bare handler's: the mean of the runs' ratios. */
export function ratioOf(row) {
	return (
		row.runs.reduce((total, run) => total + runRatio(run), 0) / row.runs.length
	);
}

/** How far the runs' ratios lie apart (highest minus lowest). */
export function spreadOf(row) {
	const ratios = row.runs.map(runRatio);
	return Math.max(...ratios) - Math.min(...ratios);
}

/** Renders the results as a plain-text table with right-aligned numbers. */
export function formatTable(rows) {
	return formatColumns(rows, COLUMNS);
}

/**
 * Lists the runs that saw errors, timeouts or non-2xx answers: their req/s measure
 * how fast the server refuses, not how fast it serves, so they must not be trusted.
 */
export function findFailedRuns(rows) {
	const failures = [];
	for (const row of rows)
		row.runs.forEach((run, i) => {
			for (const target of ["basalt", "bare"]) {
				const { errors, timeouts, non2xx, statusCodes } = run[target];
				if (errors + timeouts + non2xx === 0) continue;
				failures.push(
					`${row.name}, run ${i + 1}, on ${target}: ${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx (status codes ${JSON.stringify(statusCodes)})`,
				);
			}
		});
	return failures;
}
