// The baseline of the rabbitmq driver, in its own process (bench/jobs/jobs.mjs): bare
// amqplib on the same RabbitMQ, publishing and consuming as the driver does and
// measured exactly as basalt-jobs.mjs measures Basalt. argv[2] is a spec file; prints
// one JSON line to stdout.
import { readFileSync } from "node:fs";
import { connect } from "amqplib";
import {
	createCounter,
	enqueueAll,
	paceEnqueues,
	summarizeLatency,
	waitUntil,
} from "./job-timing.mjs";

const QUEUE = "bare";
const TIMEOUT_MS = 10 * 60_000;
/** The priority the driver gives a job of priority 0 (the middle of 0…10). */
const PRIORITY = 5;

/** A durable queue with priorities, as the driver declares each Basalt queue. */
async function declareQueue(channel) {
	await channel.assertQueue(QUEUE, {
		durable: true,
		arguments: { "x-max-priority": 10 },
	});
}

/**
 * Sends one persistent message and resolves once RabbitMQ confirmed it: a bare
 * producer has nothing else that keeps the message safe (Basalt's enqueue has its
 * row, and does not wait).
 */
function publish(channel, body) {
	return new Promise((resolve, reject) => {
		channel.publish(
			"",
			QUEUE,
			Buffer.from(JSON.stringify(body)),
			{ persistent: true, priority: PRIORITY },
			(err) => (err ? reject(err) : resolve()),
		);
	});
}

/**
 * A consumer on its own channel with prefetch = concurrency and manual acks, as the
 * driver's worker: each message runs `handler` and is acknowledged when it returns,
 * counted by `acks`.
 */
async function startConsumer(connection, spec, handler, acks) {
	const channel = await connection.createChannel();
	await channel.prefetch(spec.concurrency);
	await channel.consume(
		QUEUE,
		(message) => {
			if (!message) return;
			void (async () => {
				await handler(JSON.parse(message.content.toString("utf8")));
				channel.ack(message);
				acks.hit();
			})();
		},
		{ noAck: false },
	);
	return channel;
}

async function measureThroughput(connection, publisher, spec) {
	const runs = createCounter();
	const acks = createCounter();
	const enqueueStart = performance.now();
	await enqueueAll(spec.jobs, spec.window, (i) => publish(publisher, { i }));
	const enqueueMs = performance.now() - enqueueStart;
	const processStart = performance.now();
	const consumer = await startConsumer(
		connection,
		spec,
		async () => {
			runs.hit();
			return null;
		},
		acks,
	);
	await waitUntil(() => runs.count >= spec.jobs, "the handlers", TIMEOUT_MS);
	await waitUntil(() => acks.count >= spec.jobs, "the acks", TIMEOUT_MS);
	const processMs = performance.now() - processStart;
	await consumer.close();
	return { jobs: spec.jobs, enqueueMs, processMs, handlerRuns: runs.count };
}

async function measureLatency(connection, publisher, spec) {
	const samples = [];
	const runs = createCounter();
	const consumer = await startConsumer(
		connection,
		spec,
		async (body) => {
			if (!body.warm) samples.push(performance.now() - body.t);
			runs.hit();
			return null;
		},
		createCounter(),
	);
	const sent = await paceEnqueues({
		rate: spec.rate,
		seconds: spec.warmup + spec.seconds,
		enqueueOne: (elapsed) =>
			publish(publisher, { t: performance.now(), warm: elapsed < spec.warmup }),
	});
	await waitUntil(() => runs.count >= sent, "the last job to start", 60_000);
	await consumer.close();
	return summarizeLatency(samples);
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
// One connection, a confirm channel to publish on and a channel per consumer (the
// driver publishes and consumes on two connections; with each publish confirmed before
// the window moves on, RabbitMQ's flow control never slows this one).
const connection = await connect(spec.amqpUrl);
try {
	const publisher = await connection.createConfirmChannel();
	await declareQueue(publisher);
	const result =
		spec.mode === "latency"
			? await measureLatency(connection, publisher, spec)
			: await measureThroughput(connection, publisher, spec);
	process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
	await connection.close();
}
