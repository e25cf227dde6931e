// The security benchmark's report: like bench/lib/baseline-report.mjs's table (and
// drawn by it), a named baseline per row, with each round's ratio and their spread as
// in bench/records/report.mjs, since each round runs on fresh servers; then the CPU
// time per request and one verdict per goal.
import { formatTable as formatColumns } from "../lib/baseline-report.mjs";

const COLUMNS = [
	["scenario", (r) => r.name],
	["req/s", (r) => whole(meanOf(r, "basalt", "reqPerSec"))],
	["p50 ms", (r) => ms(meanOf(r, "basalt", "p50"))],
	["p99 ms", (r) => ms(meanOf(r, "basalt", "p99"))],
	["baseline", (r) => r.baselineName],
	["req/s", (r) => whole(meanOf(r, "baseline", "reqPerSec"))],
	["p50 ms", (r) => ms(meanOf(r, "baseline", "p50"))],
	["p99 ms", (r) => ms(meanOf(r, "baseline", "p99"))],
	[
		"ratio per round",
		(r) => r.rounds.map((round) => roundRatio(round).toFixed(2)).join(" "),
	],
	["spread", (r) => spreadOf(r).toFixed(2)],
	["ratio", (r) => ratioOf(r).toFixed(2)],
	["goal", (r) => r.goal.ratio.toFixed(2)],
	["verdict", (r) => (reachesGoal(r) ? "PASS" : "BELOW")],
];

/** Above this, the host was too busy for a round to say much (bench/records/README.md). */
const NOISY_SPREAD = 0.05;

const whole = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => n.toFixed(2);
const meanOf = (row, side, key) =>
	row.rounds.reduce((total, round) => total + round[side][key], 0) /
	row.rounds.length;
const roundRatio = (round) => round.basalt.reqPerSec / round.baseline.reqPerSec;
const reachesGoal = (row) => ratioOf(row) >= row.goal.ratio;

/** A row's throughput as a fraction of its baseline's: the mean of its rounds' ratios. */
function ratioOf(row) {
	return (
		row.rounds.reduce((total, round) => total + roundRatio(round), 0) /
		row.rounds.length
	);
}

/** How far a row's rounds lie apart (highest ratio minus lowest). */
function spreadOf(row) {
	const ratios = row.rounds.map(roundRatio);
	return Math.max(...ratios) - Math.min(...ratios);
}

/** Renders the rows as a plain-text table, names left and numbers right. */
export function formatTable(rows) {
	return formatColumns(rows, COLUMNS);
}

/** One line per row: the servers' CPU time per request on each side, over every round. */
export function formatCpu(rows) {
	return rows.map((row) => {
		const perRequest = (side) => {
			const runs = row.rounds.map((round) => round[side]);
			const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
			return sum("cpuMicros") / sum("total");
		};
		const [on, off] = [perRequest("basalt"), perRequest("baseline")];
		return Number.isNaN(on)
			? `  ${row.name}: no /proc, CPU not measured`
			: `  ${row.name}: ${on.toFixed(1)} µs vs ${off.toFixed(1)} µs ${row.baselineName} (${on >= off ? "+" : ""}${(on - off).toFixed(1)} µs)`;
	});
}

/**
 * One verdict per goal (`{ ratio, text }`), over all the rows that share it: PASS only
 * when each of them reaches it. Rows with a spread above NOISY_SPREAD are named.
 */
export function formatVerdicts(rows, goals) {
	return goals.flatMap((goal) => {
		const mine = rows.filter((row) => row.goal === goal);
		const pass = mine.every(reachesGoal);
		const figures = mine
			.map((row) => `${row.name} ${ratioOf(row).toFixed(2)}`)
			.join("; ");
		const noisy = mine.filter((row) => spreadOf(row) > NOISY_SPREAD);
		return [
			`${pass ? "PASS " : "BELOW"}  ${goal.text}: ${figures}`,
			...(noisy.length > 0
				? [
						`       spread above ${NOISY_SPREAD} (${noisy.map((r) => r.name).join(", ")}): the host was busy, run again before trusting it`,
					]
				: []),
		];
	});
}

/**
 * Lists the slices that saw errors, timeouts or non-2xx answers: their req/s measure
 * how fast a server refuses, so they must not be trusted.
 */
export function findFailedRuns(rows) {
	const failures = [];
	for (const row of rows)
		row.rounds.forEach((round, i) => {
			for (const [side, name] of [
				["basalt", row.name],
				["baseline", row.baselineName],
			]) {
				const { errors, timeouts, non2xx, statusCodes } = round[side];
				if (errors + timeouts + non2xx === 0) continue;
				failures.push(
					`${row.name}, round ${i + 1}, on ${name}: ${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx (status codes ${JSON.stringify(statusCodes)})`,
				);
			}
		});
	return failures;
}
