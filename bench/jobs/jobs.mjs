// `npm run bench:jobs`: Basalt's job queue drivers and CSV import against bare
// BullMQ, bare amqplib and a bare SQLite insert, same machine, same run. Each
// scenario runs in its own child process, so its RSS is its own and a crash ends
// only it.
// See bench/jobs/README.md.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { log, positiveInt } from "../lib/bench-env.mjs";
import { freePort, outputOf, runBenchmark } from "../lib/child-processes.mjs";
import { startRabbitmqServer } from "../lib/rabbitmq-server.mjs";
import { startRedisServer } from "../lib/redis-server.mjs";
import { writeItemsCsv } from "./items-csv.mjs";
import {
	belowGoal,
	buildRows,
	formatLatencyTable,
	formatMainTable,
} from "./jobs-report.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REDIS_BIN = process.env.BENCH_REDIS_SERVER ?? "/usr/bin/redis-server";
const RABBITMQ_BIN =
	process.env.BENCH_RABBITMQ_SERVER ?? "/usr/lib/rabbitmq/bin/rabbitmq-server";
/**
 * The queues a rabbitmq scenario may leave behind, deleted before each one: Basalt's
 * work and dead-letter queues (the driver's default prefix and queue) and the
 * baseline's.
 */
const RABBITMQ_QUEUES = ["basalt.jobs.default", "basalt.jobs.dead", "bare"];
const GROUPS = ["db", "bullmq", "rabbitmq", "import"];
/** The server each group's scenarios need, emptied before each scenario. */
const BROKERS = { bullmq: "redis", rabbitmq: "rabbitmq" };
const JOBS_TIMEOUT_MS = 10 * 60_000;
const IMPORT_TIMEOUT_MS = 60 * 60_000;
/** Lower is better: the figure a scenario's best round is picked by. */
const COST = {
	throughput: (v) => v.enqueueMs + v.processMs,
	latency: (v) => v.p99,
	import: (v) => v.ms,
};

/** Reads the knobs (bench/jobs/README.md, "Running it"). */
function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	const only = (env.BENCH_ONLY ?? GROUPS.join(",")).split(",");
	const unknown = only.filter((group) => !GROUPS.includes(group));
	if (unknown.length > 0)
		throw new Error(`BENCH_ONLY takes ${GROUPS.join(", ")}; got ${unknown}`);
	return {
		jobs: int("BENCH_JOBS", 20_000),
		concurrency: int("BENCH_CONCURRENCY", 50),
		window: int("BENCH_ENQUEUE_WINDOW", 50),
		rate: int("BENCH_RATE", 500),
		seconds: int("BENCH_LATENCY_SECONDS", 10),
		warmup: 1,
		importRows: int("BENCH_IMPORT_ROWS", 1_000_000),
		rounds: int("BENCH_ROUNDS", 1),
		groups: only,
	};
}

/**
 * The scenarios of the selected groups, each a child script and its spec, in sets:
 * a Basalt scenario runs next to its baseline, so both see the same machine.
 */
function createScenarioSets(settings, csvFile) {
	const jobs = {
		mode: "throughput",
		jobs: settings.jobs,
		concurrency: settings.concurrency,
		window: settings.window,
	};
	const latency = {
		mode: "latency",
		rate: settings.rate,
		seconds: settings.seconds,
		warmup: settings.warmup,
		concurrency: settings.concurrency,
	};
	const imports = { mode: "import", csvFile, rows: settings.importRows };
	const sets = {
		db: [
			[["db-throughput", "basalt-jobs.mjs", { ...jobs, driver: "db" }]],
			[["db-latency", "basalt-jobs.mjs", { ...latency, driver: "db" }]],
		],
		bullmq: [
			[
				["bullmq-throughput", "basalt-jobs.mjs", { ...jobs, driver: "bullmq" }],
				["bare-bullmq-throughput", "bare-bullmq.mjs", jobs],
			],
			[
				["bullmq-latency", "basalt-jobs.mjs", { ...latency, driver: "bullmq" }],
				["bare-bullmq-latency", "bare-bullmq.mjs", latency],
			],
		],
		rabbitmq: [
			[
				[
					"rabbitmq-throughput",
					"basalt-jobs.mjs",
					{ ...jobs, driver: "rabbitmq" },
				],
				["bare-amqplib-throughput", "bare-amqplib.mjs", jobs],
			],
			[
				[
					"rabbitmq-latency",
					"basalt-jobs.mjs",
					{ ...latency, driver: "rabbitmq" },
				],
				["bare-amqplib-latency", "bare-amqplib.mjs", latency],
			],
		],
		import: [
			[
				["import", "basalt-import.mjs", imports],
				["bare-import", "bare-import.mjs", imports],
			],
		],
	};
	return settings.groups.flatMap((group) =>
		sets[group].map((set) =>
			set.map(([name, script, spec]) => ({
				name,
				script,
				spec,
				broker: BROKERS[group],
				timeoutMs: group === "import" ? IMPORT_TIMEOUT_MS : JOBS_TIMEOUT_MS,
			})),
		),
	);
}

/** Resolves with the child's output; kills it and rejects once `timeoutMs` has passed. */
async function outputWithin(child, timeoutMs) {
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		child.kill("SIGKILL");
	}, timeoutMs);
	try {
		return await outputOf(child);
	} catch (err) {
		if (timedOut)
			throw new Error(`${child.name} took more than ${timeoutMs} ms`);
		if (child.signalCode)
			throw new Error(`${child.name} was killed by ${child.signalCode}`);
		throw err;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Runs one scenario in its own process on its own data dir (and an emptied Redis, or
 * RabbitMQ without the queues of earlier scenarios) and returns `{ ok, value }`, or
 * `{ ok: false, error }`: one failure is reported and the run goes on.
 */
async function runScenario(children, workDir, services, scenario) {
	const dataDir = path.join(workDir, scenario.name);
	mkdirSync(dataDir);
	try {
		const spec = { ...scenario.spec, dataDir };
		if (scenario.broker === "redis") {
			await services.redis.flush();
			spec.redisUrl = services.redis.url;
		}
		if (scenario.broker === "rabbitmq") {
			await services.rabbitmq.deleteQueues(RABBITMQ_QUEUES);
			spec.amqpUrl = services.rabbitmq.url;
		}
		const specFile = path.join(workDir, `${scenario.name}.json`);
		writeFileSync(specFile, JSON.stringify(spec));
		const child = children.start(
			scenario.name,
			path.join(BENCH_DIR, scenario.script),
			[specFile],
			{},
		);
		const lines = (await outputWithin(child, scenario.timeoutMs)).trim();
		const value = JSON.parse(lines.split("\n").at(-1));
		log(`${scenario.name.padEnd(24)} ${JSON.stringify(value)}`);
		return { ok: true, value };
	} catch (err) {
		log(`${scenario.name.padEnd(24)} FAILED: ${err.message}`);
		return { ok: false, error: err.message };
	} finally {
		rmSync(dataDir, { recursive: true, force: true });
	}
}

function printReport(results, settings) {
	console.log(
		`\n${settings.jobs} no-op jobs per throughput run (enqueue window ${settings.window}, concurrency ${settings.concurrency}); latency at ${settings.rate} jobs/s for ${settings.seconds} s after ${settings.warmup} s of warm-up; import of ${settings.importRows} CSV rows; best of ${settings.rounds} round(s); Node ${process.version}\n`,
	);
	const rows = buildRows(results);
	if (rows.length > 0) console.log(formatMainTable(rows));
	if (
		["db", "bullmq", "rabbitmq"].some((group) =>
			settings.groups.includes(group),
		)
	)
		console.log(`\n${formatLatencyTable(results)}`);
	const failed = Object.entries(results).filter(([, result]) => !result.ok);
	if (failed.length > 0) {
		console.log("\n!!! SOME SCENARIOS FAILED; THEIR ROWS READ ERROR:");
		for (const [name, { error }] of failed)
			console.log(
				`!!!   ${name}: ${error.trim().split("\n").slice(-5).join(" | ")}`,
			);
		process.exitCode = 1;
	}
	const below = belowGoal(rows);
	if (below.length > 0) console.log(`\nbelow goal: ${below.join(", ")}`);
}

/**
 * The best round of a scenario (background work only ever slows a round down); a
 * failure in any round is the scenario's result, since a crash is never noise.
 */
function bestOf(runs, cost) {
	const failed = runs.find((run) => !run.ok);
	if (failed) return failed;
	return runs.reduce((a, b) => (cost(b.value) < cost(a.value) ? b : a));
}

/**
 * Runs a set (a Basalt scenario and its baseline) `rounds` times, flipping the order
 * each round so neither side always runs first, and keeps each one's best round.
 */
async function measureSet(children, workDir, services, set, rounds) {
	const runs = new Map(set.map((scenario) => [scenario.name, []]));
	for (let round = 0; round < rounds; round++) {
		const order = round % 2 === 0 ? set : [...set].reverse();
		for (const scenario of order)
			runs
				.get(scenario.name)
				.push(await runScenario(children, workDir, services, scenario));
	}
	return set.map((scenario) => [
		scenario.name,
		bestOf(runs.get(scenario.name), COST[scenario.spec.mode]),
	]);
}

async function main(children, workDir, services) {
	const settings = readSettings(process.env);
	const csvFile = path.join(workDir, "items.csv");
	if (settings.groups.includes("import")) {
		const started = Date.now();
		await writeItemsCsv(csvFile, settings.importRows);
		log(`wrote ${settings.importRows} CSV rows in ${Date.now() - started} ms`);
	}
	if (settings.groups.includes("bullmq"))
		services.redis = await startRedisServer(REDIS_BIN, await freePort());
	if (settings.groups.includes("rabbitmq")) {
		const started = Date.now();
		services.rabbitmq = await startRabbitmqServer(RABBITMQ_BIN);
		log(`started RabbitMQ in ${Date.now() - started} ms`);
	}
	const results = {};
	for (const set of createScenarioSets(settings, csvFile)) {
		const measured = await measureSet(
			children,
			workDir,
			services,
			set,
			settings.rounds,
		);
		Object.assign(results, Object.fromEntries(measured));
	}
	printReport(results, settings);
}

const services = { redis: undefined, rabbitmq: undefined };
await runBenchmark(
	"jobs",
	(children, workDir) => main(children, workDir, services),
	{
		kill: () => {
			services.redis?.kill();
			services.rabbitmq?.kill();
		},
		stop: async () => {
			await services.redis?.stop();
			await services.rabbitmq?.stop();
		},
	},
);
