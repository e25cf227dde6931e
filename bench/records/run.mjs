import path from "node:path";
import { fileURLToPath } from "node:url";
import { SUPERUSER, startBasalt } from "../lib/basalt-server.mjs";
import {
	assertSameAnswers,
	createItemsCollection,
} from "../lib/basalt-setup.mjs";
import { log, positiveInt, runLoad } from "../lib/bench-env.mjs";
import { freePort, runBenchmark, waitReady } from "../lib/child-processes.mjs";
import { residentMibOf } from "../lib/process-memory.mjs";
import { sliceTotal } from "../lib/rounds.mjs";
import { seedItems } from "../lib/seed-items.mjs";
import { findFailedRuns, formatTable, ratioOf } from "./report.mjs";
import { createScenarios, samplePaths } from "./scenarios.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const CATEGORIES = 100;
/** The list scenario reads one full page of 30 rows of one category. */
const MIN_RECORDS = CATEGORIES * 30;

/** Reads the knobs (bench/records/README.md, "Running it"). */
function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	const records = int("BENCH_RECORDS", 100_000);
	// Fewer rows fail the same-answer check with a short list page, which reads as a bug.
	if (records < MIN_RECORDS)
		throw new Error(
			`BENCH_RECORDS must be at least ${MIN_RECORDS}: the list reads 30 rows of one of ${CATEGORIES} categories`,
		);
	return {
		connections: int("BENCH_CONNECTIONS", 50),
		warmup: int("BENCH_WARMUP", 5),
		slices: int("BENCH_SLICES", 4),
		sliceSeconds: int("BENCH_SLICE_SECONDS", 3),
		runs: int("BENCH_RUNS", 2),
		records,
		categories: CATEGORIES,
		viewIds: 1000,
	};
}

/** Warn-level logs; every other setting is Basalt's default. */
const BASALT_ENV = { BASALT_LOG_LEVEL: "warn" };

/**
 * Lets Basalt create the schema (table, index, rules) through its API, then seeds the
 * rows straight into the file while Basalt is stopped: the schema is Basalt's own, and
 * one transaction takes under a second where 100k HTTP creates take minutes.
 */
async function prepareDatabase(children, settings, dataDir, port) {
	const first = await startBasalt(children, dataDir, BASALT_ENV, { port });
	await createItemsCollection(first.url, SUPERUSER);
	await children.stop(first.child);
	const started = Date.now();
	const ids = seedItems(path.join(dataDir, "data.db"), {
		count: settings.records,
		categories: settings.categories,
		sampleSize: settings.viewIds,
	});
	log(`seeded ${settings.records} records in ${Date.now() - started} ms`);
	return ids;
}

/**
 * Measures one scenario on Basalt and on the bare handler, interleaved: after a
 * warm-up of each, the load alternates between them in short slices (the order
 * flipping each time), so a slow spell of the host falls on both alike; and that
 * `runs` times, so the report shows how far two measurements of the same ratio lie
 * apart.
 */
async function measureScenario(children, settings, workDir, scenario, targets) {
	const slug = scenario.name.replaceAll(/[^a-z]+/g, "-");
	const load = (target, duration) =>
		runLoad(
			children,
			{ connections: settings.connections, duration, warmup: 0 },
			workDir,
			`${slug}-${target}`,
			targets[target],
			scenario[target],
		);
	for (const target of ["basalt", "bare"]) await load(target, settings.warmup);
	const runs = [];
	for (let run = 0; run < settings.runs; run++) {
		const slices = { basalt: [], bare: [] };
		for (let i = 0; i < settings.slices; i++)
			for (const target of (i + run) % 2 === 0
				? ["basalt", "bare"]
				: ["bare", "basalt"])
				slices[target].push(await load(target, settings.sliceSeconds));
		runs.push({
			basalt: sliceTotal(slices.basalt),
			bare: sliceTotal(slices.bare),
		});
	}
	return { name: scenario.name, goal: scenario.goal, runs };
}

function printReport(rows, settings, memory) {
	console.log(
		`\n${settings.records} records, ${settings.connections} connections, ${settings.runs} runs of ${settings.slices} interleaved slices of ${settings.sliceSeconds} s per side (after ${settings.warmup} s warm-up each), Node ${process.version}\n`,
	);
	console.log(formatTable(rows));
	if (memory)
		console.log(
			`\npeak resident memory: Basalt ${Math.round(memory.basalt.peak)} MiB, bare ${Math.round(memory.bare.peak)} MiB`,
		);
	const failures = findFailedRuns(rows);
	if (failures.length > 0) {
		console.log(
			"\n!!! SOME RUNS GOT ERRORS OR NON-2XX ANSWERS; THEIR FIGURES ARE MEANINGLESS:",
		);
		for (const failure of failures) console.log(`!!!   ${failure}`);
		process.exitCode = 1;
	}
	const below = rows.filter((row) => ratioOf(row) < row.goal);
	if (below.length > 0)
		console.log(`\nbelow goal: ${below.map((row) => row.name).join(", ")}`);
}

async function main(children, workDir) {
	const settings = readSettings(process.env);
	const dataDir = path.join(workDir, "data");
	const basaltPort = await freePort();
	const viewIds = await prepareDatabase(
		children,
		settings,
		dataDir,
		basaltPort,
	);
	const basalt = await startBasalt(children, dataDir, BASALT_ENV, {
		port: basaltPort,
	});
	const barePort = await freePort();
	const bareChild = children.start(
		"bare",
		path.join(BENCH_DIR, "bare-server.mjs"),
		[],
		{
			BENCH_DB_FILE: path.join(dataDir, "data.db"),
			BENCH_PORT: String(barePort),
		},
	);
	const bareUrl = `http://127.0.0.1:${barePort}`;
	await waitReady(bareUrl, bareChild);
	await assertSameAnswers(basalt.url, bareUrl, samplePaths(viewIds[0]));
	const targets = { basalt: basalt.url, bare: bareUrl };
	const rows = [];
	for (const scenario of createScenarios(viewIds))
		rows.push(
			await measureScenario(children, settings, workDir, scenario, targets),
		);
	const basaltMemory = residentMibOf(basalt.child.pid);
	const bareMemory = residentMibOf(bareChild.pid);
	printReport(
		rows,
		settings,
		basaltMemory && bareMemory
			? { basalt: basaltMemory, bare: bareMemory }
			: undefined,
	);
}

await runBenchmark("http", main);
