// `npm run bench:observability`: what metrics, logs and tracing cost. The same record
// view is measured on the same data with each observability setting, against a run
// with all of it off, in the same run. See bench/observability/README.md.
import { cpSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SUPERUSER, startBasalt } from "../lib/basalt-server.mjs";
import { createItemsCollection } from "../lib/basalt-setup.mjs";
import {
	findFailedRuns,
	formatTable,
	ratioOf,
} from "../lib/baseline-report.mjs";
import { positiveInt, runLoad } from "../lib/bench-env.mjs";
import { freePort, runBenchmark } from "../lib/child-processes.mjs";
import { cpuMicrosOf } from "../lib/process-cpu.mjs";
import { sliceTotal } from "../lib/rounds.mjs";
import { seedItems } from "../lib/seed-items.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RECORDS = "/api/v1/collections/items/records";

/** Reads the knobs (bench/observability/README.md). */
function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	return {
		connections: int("BENCH_CONNECTIONS", 10),
		warmup: int("BENCH_WARMUP", 5),
		records: int("BENCH_RECORDS", 10_000),
		pairs: int("BENCH_PAIRS", 5),
		slices: int("BENCH_SLICES", 4),
		sliceSeconds: int("BENCH_SLICE_SECONDS", 3),
	};
}

/** Everything off: no request lines, no request log rows, no metrics, no tracing. */
const ALL_OFF = {
	BASALT_LOG_LEVEL: "warn",
	BASALT_REQUEST_LOG_SAMPLE: "0",
	BASALT_METRICS: "false",
};

/**
 * The settings measured against ALL_OFF. "metrics + logs" is a production node's
 * defaults: request lines at info level (written to a file, as a log shipper would
 * read them), the database request log at its default sample (a tenth of requests,
 * every 5xx) and metrics (scrapes are not part of the load). The same with every
 * request kept in the database is shown without a goal, as the price of that choice.
 */
function settingsOf(sinkUrl) {
	return [
		{
			name: "metrics + logs",
			goal: 0.9,
			env: { BASALT_LOG_LEVEL: "info", BASALT_METRICS: "true" },
		},
		{
			name: "tracing",
			goal: 0.75,
			env: {
				...ALL_OFF,
				OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
				OTEL_TRACES_SAMPLER: "always_on",
			},
		},
		{
			// What a production node usually runs: one trace in ten kept (the
			// sampling decision is made once, at the root, and followed downstream).
			name: "... 1 in 10 traced",
			env: {
				...ALL_OFF,
				OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
				OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
				OTEL_TRACES_SAMPLER_ARG: "0.1",
			},
		},
		{
			name: "... every request logged",
			env: {
				BASALT_LOG_LEVEL: "info",
				BASALT_METRICS: "true",
				BASALT_REQUEST_LOG_SAMPLE: "1",
			},
		},
	];
}

/** Starts `basalt serve` with `env` on the data dir; its stdout (log lines) goes to a file. */
function startLoggingToFile(children, dataDir, env) {
	return startBasalt(children, dataDir, env, { stdoutFile: `${dataDir}.log` });
}

/**
 * One setting against all off, interleaved: `pairs` pairs of servers run at once,
 * each on its own copy of the data, and the load alternates between the two sides of
 * each pair in short slices (the order flipping each time), so a slow spell of the
 * host falls on both sides alike. Several pairs, because one process is not a sample:
 * two servers started alike, all off, kept a steady 10-15% gap between them for
 * their whole life (most likely V8 optimising each process differently), which a
 * single pair reports as a cost or a gain of the setting.
 */
async function measureSetting(ctx, setting, requests) {
	const pairs = [];
	try {
		for (let p = 0; p < ctx.settings.pairs; p++) {
			const pair = {};
			pairs.push(pair);
			for (const [which, env] of [
				["on", setting.env],
				["off", ALL_OFF],
			]) {
				const dataDir = path.join(ctx.workDir, `data-${ctx.copies++}`);
				cpSync(ctx.dataDir, dataDir, { recursive: true });
				pair[which] = await startLoggingToFile(ctx.children, dataDir, env);
			}
		}
		const label = (which) => `${setting.name} ${which}`.replaceAll(" ", "-");
		const load = (server, which, duration) =>
			runLoad(
				ctx.children,
				{ connections: ctx.settings.connections, duration, warmup: 0 },
				ctx.workDir,
				label(which),
				server.url,
				requests,
			);
		// A slice with the CPU the server spent on it.
		const measuredLoad = async (server, which) => {
			const before = cpuMicrosOf(server.child.pid);
			const run = await load(server, which, ctx.settings.sliceSeconds);
			const after = cpuMicrosOf(server.child.pid);
			return { ...run, cpuMicros: after - before };
		};
		// Warm-up, left out of the figures: V8's JIT and SQLite's page cache.
		for (const pair of pairs)
			for (const which of ["on", "off"])
				await load(pair[which], which, ctx.settings.warmup);
		const slices = pairs.map(() => ({ on: [], off: [] }));
		for (let i = 0; i < ctx.settings.slices; i++)
			for (const [p, pair] of pairs.entries()) {
				const order = (i + p) % 2 === 0 ? ["on", "off"] : ["off", "on"];
				for (const which of order)
					slices[p][which].push(await measuredLoad(pair[which], which));
			}
		const side = (which) => slices.flatMap((pair) => pair[which]);
		// CPU µs per request over all of a side's slices (NaN without /proc).
		const cpuPerRequest = (which) => {
			const runs = side(which);
			const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
			return sum("cpuMicros") / sum("total");
		};
		return {
			cpu: { on: cpuPerRequest("on"), off: cpuPerRequest("off") },
			on: sliceTotal(side("on")),
			off: sliceTotal(side("off")),
			pairRatios: slices.map(
				(pair) =>
					sliceTotal(pair.on).reqPerSec / sliceTotal(pair.off).reqPerSec,
			),
		};
	} finally {
		for (const pair of pairs)
			for (const server of Object.values(pair))
				await ctx.children.stop(server.child);
	}
}

async function main(children, workDir) {
	const settings = readSettings(process.env);
	const dataDir = path.join(workDir, "data");
	const first = await startLoggingToFile(children, dataDir, ALL_OFF);
	await createItemsCollection(first.url, SUPERUSER);
	await children.stop(first.child);
	const viewIds = seedItems(path.join(dataDir, "data.db"), {
		count: settings.records,
		categories: 100,
		sampleSize: 1000,
	});
	const requests = viewIds.map((id) => ({
		method: "GET",
		path: `${RECORDS}/${id}`,
	}));
	const sinkPort = await freePort();
	const sink = children.start(
		"otlp sink",
		path.join(BENCH_DIR, "otlp-sink.mjs"),
		[],
		{ BENCH_PORT: String(sinkPort) },
	);
	const ctx = { children, workDir, dataDir, settings, copies: 0 };
	const rows = [];
	for (const setting of settingsOf(`http://127.0.0.1:${sinkPort}`)) {
		const pair = await measureSetting(ctx, setting, requests);
		rows.push({
			pairRatios: pair.pairRatios,
			cpu: pair.cpu,
			name: setting.name,
			baselineName: "all off",
			goal: setting.goal,
			basalt: pair.on,
			baseline: pair.off,
		});
	}
	await children.stop(sink);
	const exported = JSON.parse(sink.stdoutText.trim() || "{}");
	console.log(
		`\n${settings.records} records, view of one record cycling over 1000 ids, ${settings.connections} connections, ${settings.pairs} pairs of servers, ${settings.slices} interleaved slices of ${settings.sliceSeconds} s per side and pair (after ${settings.warmup} s warm-up each), Node ${process.version}`,
	);
	console.log(
		`tracing exported ${exported.requests ?? 0} OTLP requests (${exported.bytes ?? 0} bytes) to the sink\n`,
	);
	console.log(formatTable(rows));
	console.log(
		"\nper setting: the ratio of each pair of servers (the spread between processes),\nand the servers' CPU time per request, on and all off:",
	);
	for (const row of rows) {
		const { on, off } = row.cpu;
		const cpu = Number.isNaN(on)
			? "no /proc: CPU not measured"
			: `CPU ${on.toFixed(1)} µs vs ${off.toFixed(1)} µs a request (+${(on - off).toFixed(1)} µs)`;
		console.log(
			`  ${row.name}: pairs ${row.pairRatios.map((r) => r.toFixed(2)).join(", ")}; ${cpu}`,
		);
	}
	const failures = findFailedRuns(rows);
	if (failures.length > 0) {
		console.log("\n!!! SOME RUNS GOT ERRORS OR NON-2XX ANSWERS:");
		for (const failure of failures) console.log(`!!!   ${failure}`);
		process.exitCode = 1;
	}
	if ((exported.requests ?? 0) === 0) {
		console.log("\n!!! THE TRACING RUN EXPORTED NOTHING: TRACING WAS NOT ON");
		process.exitCode = 1;
	}
	const below = rows.filter(
		(row) => row.goal !== undefined && ratioOf(row) < row.goal,
	);
	if (below.length > 0)
		console.log(`\nbelow goal: ${below.map((row) => row.name).join(", ")}`);
}

await runBenchmark("observability", main);
