// The baseline of the bullmq driver, in its own process (bench/jobs/jobs.mjs): a bare
// BullMQ Queue and Worker on the same Redis, measured exactly as basalt-jobs.mjs
// measures Basalt. argv[2] is a spec file; prints one JSON line to stdout.
import { readFileSync } from "node:fs";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import {
	createCounter,
	enqueueAll,
	paceEnqueues,
	summarizeLatency,
	waitUntil,
} from "./job-timing.mjs";

const QUEUE = "bare";
const JOB = "bench.noop";
const TIMEOUT_MS = 10 * 60_000;

/**
 * A Worker on the shared connection, as Basalt creates its own (BullMQ duplicates it
 * for the blocking reads). BullMQ's defaults otherwise: completed jobs are kept, as
 * Basalt keeps them.
 */
function startWorker(connection, spec, processor) {
	const worker = new Worker(QUEUE, processor, {
		connection,
		concurrency: spec.concurrency,
	});
	worker.on("error", (err) => process.stderr.write(`worker: ${err}\n`));
	return worker;
}

async function measureThroughput(connection, queue, spec) {
	const runs = createCounter();
	const enqueueStart = performance.now();
	await enqueueAll(spec.jobs, spec.window, (i) => queue.add(JOB, { i }));
	const enqueueMs = performance.now() - enqueueStart;
	const processStart = performance.now();
	const worker = startWorker(connection, spec, async () => {
		runs.hit();
		return null;
	});
	await waitUntil(() => runs.count >= spec.jobs, "the handlers", TIMEOUT_MS);
	await waitUntil(
		async () => (await queue.getCompletedCount()) >= spec.jobs,
		"the completed count",
		TIMEOUT_MS,
	);
	const processMs = performance.now() - processStart;
	await worker.close();
	return { jobs: spec.jobs, enqueueMs, processMs, handlerRuns: runs.count };
}

async function measureLatency(connection, queue, spec) {
	const samples = [];
	const runs = createCounter();
	const worker = startWorker(connection, spec, async (job) => {
		if (!job.data.warm) samples.push(performance.now() - job.data.t);
		runs.hit();
		return null;
	});
	const sent = await paceEnqueues({
		rate: spec.rate,
		seconds: spec.warmup + spec.seconds,
		enqueueOne: (elapsed) =>
			queue.add(JOB, { t: performance.now(), warm: elapsed < spec.warmup }),
	});
	await waitUntil(() => runs.count >= sent, "the last job to start", 60_000);
	await worker.close();
	return summarizeLatency(samples);
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
// BullMQ needs commands to wait for a reconnect rather than fail: maxRetriesPerRequest null.
const connection = new Redis(spec.redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE, { connection });
try {
	const result =
		spec.mode === "latency"
			? await measureLatency(connection, queue, spec)
			: await measureThroughput(connection, queue, spec);
	process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
	await queue.close();
	await connection.quit();
}
