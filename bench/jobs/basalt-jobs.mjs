// One measurement of a Basalt queue driver in its own process (bench/jobs/jobs.mjs):
// argv[2] is a spec file, `mode` is "throughput" or "latency", `driver` is "db",
// "bullmq" or "rabbitmq". Prints one JSON line to stdout.
import { readFileSync } from "node:fs";
import { openBasalt } from "./basalt-app.mjs";
import {
	createCounter,
	enqueueAll,
	paceEnqueues,
	summarizeLatency,
	waitUntil,
} from "./job-timing.mjs";

const JOB = "bench.noop";
const TIMEOUT_MS = 10 * 60_000;

function driverEnv(spec) {
	const env = { BASALT_QUEUES: `default:${spec.concurrency}` };
	if (spec.driver === "bullmq")
		Object.assign(env, { BASALT_QUEUE: "bullmq", REDIS_URL: spec.redisUrl });
	if (spec.driver === "rabbitmq")
		Object.assign(env, { BASALT_QUEUE: "rabbitmq", AMQP_URL: spec.amqpUrl });
	return env;
}

/** Completed jobs, through the public API, so every driver is read the same way. */
async function completedCount(app) {
	const page = await app.jobs.list({
		status: "completed",
		page: 1,
		perPage: 1,
	});
	return page.totalItems;
}

/**
 * Enqueues `jobs` no-op jobs with the worker stopped (the enqueue rate), then starts
 * the worker and times until every job is recorded as completed (the process rate).
 * The handler counts its runs, so the queue is only asked for its completed count at
 * the end rather than polled throughout.
 */
async function measureThroughput(app, spec) {
	const runs = createCounter();
	app.jobs.register(JOB, {
		handler: async () => {
			runs.hit();
			return null;
		},
	});
	const enqueueStart = performance.now();
	await enqueueAll(spec.jobs, spec.window, (i) =>
		app.jobs.enqueue({ name: JOB, payload: { i } }),
	);
	const enqueueMs = performance.now() - enqueueStart;
	const processStart = performance.now();
	app.jobs.startWorker();
	await waitUntil(() => runs.count >= spec.jobs, "the handlers", TIMEOUT_MS);
	await waitUntil(
		async () => (await completedCount(app)) >= spec.jobs,
		"the completed count",
		TIMEOUT_MS,
	);
	const processMs = performance.now() - processStart;
	return { jobs: spec.jobs, enqueueMs, processMs, handlerRuns: runs.count };
}

/**
 * With the worker running, enqueues at a steady rate; each payload carries its enqueue
 * time and the handler records how long it took to start. The warm-up's jobs run but
 * are not counted.
 */
async function measureLatency(app, spec) {
	const samples = [];
	const runs = createCounter();
	app.jobs.register(JOB, {
		handler: async ({ job }) => {
			if (!job.payload.warm) samples.push(performance.now() - job.payload.t);
			runs.hit();
			return null;
		},
	});
	app.jobs.startWorker();
	const sent = await paceEnqueues({
		rate: spec.rate,
		seconds: spec.warmup + spec.seconds,
		enqueueOne: (elapsed) =>
			app.jobs.enqueue({
				name: JOB,
				payload: { t: performance.now(), warm: elapsed < spec.warmup },
			}),
	});
	await waitUntil(() => runs.count >= sent, "the last job to start", 60_000);
	return summarizeLatency(samples);
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const app = await openBasalt(spec.dataDir, driverEnv(spec));
try {
	const result =
		spec.mode === "latency"
			? await measureLatency(app, spec)
			: await measureThroughput(app, spec);
	process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
	await app.close();
}
