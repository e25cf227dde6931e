// The tables `npm run bench:jobs` prints (bench/jobs/jobs.mjs).

const whole = (n) => Math.round(n).toLocaleString("en-US");
const perSecond = (count, ms) => (count * 1000) / ms;

/** A scenario's value, or null when it failed (its row then reads ERROR). */
function pick(result, read) {
	return result?.ok ? read(result.value) : null;
}

function throughputRows(label, basalt, bare, goal) {
	const enqueue = (r) => perSecond(r.jobs, r.enqueueMs);
	const process = (r) => perSecond(r.jobs, r.processMs);
	const both = (r) => perSecond(r.jobs, r.enqueueMs + r.processMs);
	const baseline = (read) =>
		bare === undefined ? undefined : pick(bare, read);
	return [
		["enqueue", enqueue, goal.enqueue],
		["process", process, goal.process],
		["enqueue+process", both, goal.both],
	].map(([what, read, rowGoal]) => ({
		name: `${label} ${what}`,
		unit: "jobs/s",
		value: pick(basalt, read),
		baseline: baseline(read),
		goal: rowGoal,
	}));
}

/**
 * Builds the main table's rows from the scenario results, with the goals of bench/jobs/README.md:
 * the db driver processes at least 2,000 jobs/s, the bullmq and rabbitmq drivers run
 * their enqueue+process loop at least 0.5x as fast as bare BullMQ and bare amqplib,
 * the import inserts at least 0.3x as fast as a bare insert with a peak RSS under
 * 300 MB.
 */
export function buildRows(results) {
	const rows = [];
	if ("db-throughput" in results)
		rows.push(
			...throughputRows("db", results["db-throughput"], undefined, {
				process: { atLeast: 2000 },
			}),
		);
	if ("bullmq-throughput" in results)
		rows.push(
			...throughputRows(
				"bullmq",
				results["bullmq-throughput"],
				results["bare-bullmq-throughput"],
				{ both: { ratio: 0.5 } },
			),
		);
	if ("rabbitmq-throughput" in results)
		rows.push(
			...throughputRows(
				"rabbitmq",
				results["rabbitmq-throughput"],
				results["bare-amqplib-throughput"],
				{ both: { ratio: 0.5 } },
			),
		);
	if ("import" in results) {
		const basalt = results.import;
		const bare = results["bare-import"];
		const rate = (r) => perSecond(r.rows, r.ms);
		const peak = (r) => Math.max(r.sampledMb, r.highWaterMb);
		rows.push(
			{
				name: "import",
				unit: "rows/s",
				value: pick(basalt, rate),
				baseline: pick(bare, rate),
				goal: { ratio: 0.3 },
			},
			{
				name: "import peak RSS",
				unit: "MB",
				value: pick(basalt, peak),
				baseline: pick(bare, peak),
				goal: { below: 300 },
			},
		);
	}
	return rows;
}

function ratioOf(row) {
	return row.value / row.baseline;
}

function verdictOf(row) {
	if (row.value === null || row.baseline === null) return "ERROR";
	const { goal } = row;
	if (!goal) return "";
	const met =
		goal.atLeast !== undefined
			? row.value >= goal.atLeast
			: goal.below !== undefined
				? row.value < goal.below
				: ratioOf(row) >= goal.ratio;
	return met ? "PASS" : "BELOW";
}

function goalText(row) {
	const { goal } = row;
	if (!goal) return "";
	if (goal.atLeast !== undefined)
		return `>= ${whole(goal.atLeast)} ${row.unit}`;
	if (goal.below !== undefined) return `< ${whole(goal.below)} ${row.unit}`;
	return `>= ${goal.ratio.toFixed(2)}x`;
}

const amount = (value, unit) =>
	value === null
		? "ERROR"
		: value === undefined
			? "-"
			: `${whole(value)} ${unit}`;

const MAIN_COLUMNS = [
	["scenario", (r) => r.name],
	["basalt", (r) => amount(r.value, r.unit)],
	["baseline", (r) => amount(r.baseline, r.unit)],
	["ratio", (r) => (r.value && r.baseline ? `${ratioOf(r).toFixed(2)}x` : "-")],
	["goal", goalText],
	["verdict", verdictOf],
];

const LATENCY_COLUMNS = [
	["enqueue-to-start", (r) => r.name],
	["p50 ms", (r) => (r.value ? r.value.p50.toFixed(2) : "ERROR")],
	["p99 ms", (r) => (r.value ? r.value.p99.toFixed(2) : "ERROR")],
	["max ms", (r) => (r.value ? r.value.max.toFixed(2) : "ERROR")],
	["jobs", (r) => (r.value ? whole(r.value.samples) : "ERROR")],
];

/** Renders rows as a plain-text table, numbers right-aligned, as bench/records/report.mjs does. */
function renderTable(columns, rows) {
	const cells = [
		columns.map(([title]) => title),
		...rows.map((row) => columns.map(([, cell]) => cell(row))),
	];
	const widths = columns.map((_, i) =>
		Math.max(...cells.map((line) => line[i].length)),
	);
	const render = (line) =>
		line
			.map((cell, i) =>
				i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]),
			)
			.join("  ")
			.trimEnd();
	const rule = "-".repeat(render(cells[0]).length);
	return [render(cells[0]), rule, ...cells.slice(1).map(render)].join("\n");
}

/** Renders the throughput, import and memory rows with their baselines and goals. */
export function formatMainTable(rows) {
	return renderTable(MAIN_COLUMNS, rows);
}

/** Renders the latency results (p50/p99/max of enqueue-to-start) of each queue. */
export function formatLatencyTable(results) {
	const rows = [
		["db", "db-latency"],
		["bullmq", "bullmq-latency"],
		["bare bullmq (baseline)", "bare-bullmq-latency"],
		["rabbitmq", "rabbitmq-latency"],
		["bare amqplib (baseline)", "bare-amqplib-latency"],
	]
		.filter(([, key]) => key in results)
		.map(([name, key]) => ({ name, value: pick(results[key], (v) => v) }));
	return renderTable(LATENCY_COLUMNS, rows);
}

/** The rows whose verdict is BELOW, by name. */
export function belowGoal(rows) {
	return rows.filter((row) => verdictOf(row) === "BELOW").map((r) => r.name);
}
