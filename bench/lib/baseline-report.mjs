// The table of the auth, observability and cache benchmarks: a named baseline per row,
// since each row is compared with a different one (argon2 alone, a bare handler,
// Basalt's own guest view, or Basalt with everything off). Its renderer also draws the
// records and security tables, from their own columns.
const COLUMNS = [
	["scenario", (r) => r.name],
	["basalt req/s", (r) => whole(r.basalt.reqPerSec)],
	["p50 ms", (r) => ms(r.basalt.p50)],
	["p99 ms", (r) => ms(r.basalt.p99)],
	["baseline", (r) => r.baselineName],
	["req/s", (r) => whole(r.baseline.reqPerSec)],
	["p50 ms", (r) => ms(r.baseline.p50)],
	["p99 ms", (r) => ms(r.baseline.p99)],
	["ratio", (r) => ratioOf(r).toFixed(2)],
	// A row without a goal (auth's refresh, observability's "..." rows) is reported as found.
	["goal", (r) => (r.goal === undefined ? "-" : r.goal.toFixed(2))],
	["verdict", (r) => (r.goal === undefined ? "-" : verdictOf(r))],
];

const verdictOf = (r) => (ratioOf(r) >= r.goal ? "PASS" : "BELOW");

const whole = (n) => Math.round(n).toLocaleString("en-US");
const ms = (n) => n.toFixed(2);

/** Basalt's throughput as a fraction of its baseline's, from the same run. */
export function ratioOf(row) {
	return row.basalt.reqPerSec / row.baseline.reqPerSec;
}

/** The titles of the columns that hold names, aligned left; numbers align right. */
const NAME_COLUMNS = new Set(["scenario", "baseline"]);

/**
 * Renders the rows as a plain-text table, names left and numbers right. `columns`
 * (`[title, cellOf(row)]` pairs) are this table's unless given.
 */
export function formatTable(rows, columns = COLUMNS) {
	const cells = [
		columns.map(([title]) => title),
		...rows.map((row) => columns.map(([, cell]) => cell(row))),
	];
	const widths = columns.map((_, i) =>
		Math.max(...cells.map((line) => line[i].length)),
	);
	const left = columns.map(([title]) => NAME_COLUMNS.has(title));
	const render = (line) =>
		line
			.map((cell, i) =>
				left[i] ? cell.padEnd(widths[i]) : cell.padStart(widths[i]),
			)
			.join("  ")
			.trimEnd();
	const rule = "-".repeat(render(cells[0]).length);
	return [render(cells[0]), rule, ...cells.slice(1).map(render)].join("\n");
}

/**
 * Lists the runs that saw errors, timeouts, non-2xx answers or broken token chains:
 * their req/s measure how fast something was refused, so they must not be trusted.
 */
export function findFailedRuns(rows) {
	const failures = [];
	for (const row of rows) {
		for (const [target, name] of [
			["basalt", "basalt"],
			["baseline", row.baselineName],
		]) {
			const { errors, timeouts, non2xx, statusCodes } = row[target];
			if (errors + timeouts + non2xx === 0) continue;
			failures.push(
				`${row.name} on ${name}: ${errors} errors, ${timeouts} timeouts, ${non2xx} non-2xx (status codes ${JSON.stringify(statusCodes)})`,
			);
		}
	}
	return failures;
}
