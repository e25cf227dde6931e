import path from "node:path";
import { fileURLToPath } from "node:url";
import {
	assertSameAnswers,
	createItemsCollection,
} from "../lib/basalt-setup.mjs";
import { log, positiveInt, runLoad } from "../lib/bench-env.mjs";
import { freePort, runBenchmark, waitReady } from "../lib/child-processes.mjs";
import { bestOf } from "../lib/rounds.mjs";
import { seedItems } from "../lib/seed-items.mjs";
import { findFailedRuns, formatTable, ratioOf } from "./report.mjs";
import { createScenarios, samplePaths } from "./scenarios.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const BASALT_MAIN = path.resolve(
	BENCH_DIR,
	"../../packages/server/dist/cli/main.js",
);
const SUPERUSER = { email: "bench@example.com", password: "bench-password-1" };
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
		duration: int("BENCH_DURATION", 10),
		connections: int("BENCH_CONNECTIONS", 10),
		warmup: int("BENCH_WARMUP", 2),
		records,
		rounds: int("BENCH_ROUNDS", 1),
		categories: CATEGORIES,
		viewIds: 1000,
	};
}

/** Starts `basalt serve` on the data dir and waits until it is ready. */
async function startBasalt(children, dataDir, port) {
	const child = children.start("basalt", BASALT_MAIN, ["serve"], {
		BASALT_DATA_DIR: dataDir,
		BASALT_PORT: String(port),
		BASALT_LOG_LEVEL: "warn",
		BASALT_SHUTDOWN_DELAY_MS: "0",
		BASALT_SUPERUSER_EMAIL: SUPERUSER.email,
		BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
	});
	const url = `http://127.0.0.1:${port}`;
	await waitReady(url, child);
	return { child, url };
}

/**
 * Lets Basalt create the schema (table, index, rules) through its API, then seeds the
 * rows straight into the file while Basalt is stopped: the schema is Basalt's own, and
 * one transaction takes under a second where 100k HTTP creates take minutes.
 */
async function prepareDatabase(children, settings, dataDir, port) {
	const first = await startBasalt(children, dataDir, port);
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
 * Measures one scenario on Basalt and on the bare handler back to back, so both see
 * the same machine conditions (the host has 2 cores and other work may run). With
 * several rounds the order flips each round, so neither side always runs first.
 */
async function measureScenario(children, settings, workDir, scenario, targets) {
	const runs = { basalt: [], bare: [] };
	for (let round = 0; round < settings.rounds; round++) {
		const order = round % 2 === 0 ? ["basalt", "bare"] : ["bare", "basalt"];
		for (const target of order) {
			const label = `${scenario.name}-${target}`;
			runs[target].push(
				await runLoad(
					children,
					settings,
					workDir,
					label,
					targets[target],
					scenario[target],
				),
			);
		}
	}
	return {
		name: scenario.name,
		goal: scenario.goal,
		basalt: bestOf(runs.basalt),
		bare: bestOf(runs.bare),
	};
}

function printReport(rows, settings) {
	console.log(
		`\n${settings.records} records, ${settings.connections} connections, ${settings.duration} s per run (${settings.warmup} s warm-up), best of ${settings.rounds} round(s), Node ${process.version}\n`,
	);
	console.log(formatTable(rows));
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
	const basalt = await startBasalt(children, dataDir, basaltPort);
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
	printReport(rows, settings);
}

await runBenchmark("http", main);
