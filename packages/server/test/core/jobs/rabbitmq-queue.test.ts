import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "amqplib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobDefinition } from "../../../src/core/jobs/index.js";
import { createRabbitmqQueueDriver } from "../../../src/core/jobs/rabbitmq/rabbitmq-queue-driver.js";
import {
	deadQueueName,
	declareDeadLetters,
	declareWorkQueue,
	messagePriority,
	workQueueName,
} from "../../../src/core/jobs/rabbitmq/rabbitmq-topology.js";
import { createLogger } from "../../../src/tools/logger/index.js";
import { describeEachDialect } from "../../helpers/each-dialect.js";
import {
	findRabbitmqServer,
	type RabbitmqServer,
	startRabbitmq,
} from "../../helpers/rabbitmq-server.js";
import type { TestApp } from "../../helpers/test-app.js";
import {
	eventually,
	expectWiredDriver,
	jobServices,
	orphanJob,
	queueContract,
} from "./queue-contract.js";

const silent = createLogger({ level: "silent", format: "json" });
const SETTINGS = {
	queues: { default: 4, solo: 1 },
	leaseMs: 400,
	pollMs: 20,
	drainMs: 2000,
	backoffMs: 40,
};
const server = findRabbitmqServer();

describe("rabbitmq message priorities", () => {
	it("keeps Basalt's order in RabbitMQ's 11 levels, the default in the middle", () => {
		expect(messagePriority(0)).toBe(5);
		expect(messagePriority(1)).toBeGreaterThan(messagePriority(0));
		expect(messagePriority(-1)).toBeLessThan(messagePriority(0));
		expect(messagePriority(1e9)).toBe(10);
		expect(messagePriority(-1e9)).toBe(0);
	});
});

(server ? describe : describe.skip)("rabbitmq queue driver", () => {
	let rabbit: RabbitmqServer | undefined;
	// A prefix per test: its queues and dead letters are its own.
	let prefix = "";
	beforeAll(async () => {
		rabbit = await startRabbitmq(server as string);
	});
	afterAll(async () => {
		await rabbit?.stop();
	});
	beforeEach(() => {
		prefix = `t${randomBytes(5).toString("hex")}`;
	});
	const url = () => (rabbit as RabbitmqServer).url;
	const driverOf = (
		t: TestApp,
		more: { relayPollMs?: number; lostAfterMs?: number } = {},
	) =>
		createRabbitmqQueueDriver({
			db: t.app.db,
			newId: t.app.newId,
			clock: t.app.clock,
			logger: silent,
			url: url(),
			prefix,
			relayPollMs: more.relayPollMs ?? 50,
			...(more.lostAfterMs ? { lostAfterMs: more.lostAfterMs } : {}),
		});

	/** Reads (and acknowledges) every message waiting in a queue, declaring it first. */
	const drain = async (queue: string): Promise<string[]> => {
		const connection = await connect(url());
		try {
			const channel = await connection.createChannel();
			if (queue === deadQueueName({ prefix }))
				await declareDeadLetters(channel, { prefix });
			else
				await declareWorkQueue(
					channel,
					{ prefix },
					queue.slice(`${prefix}.jobs.`.length),
				);
			const bodies: string[] = [];
			for (;;) {
				const message = await channel.get(queue, { noAck: true });
				if (!message) return bodies;
				bodies.push(message.content.toString("utf8"));
			}
		} finally {
			await connection.close();
		}
	};

	/** Drains a work queue once its first message arrived (a publish is not awaited). */
	const drainSent = (queue: string) =>
		eventually(
			() => drain(workQueueName({ prefix }, queue)),
			(bodies) => bodies.length > 0,
		);

	it("is the driver createApp picks for BASALT_QUEUE=rabbitmq", () =>
		expectWiredDriver(
			{ BASALT_QUEUE: "rabbitmq", AMQP_URL: url() },
			"rabbitmq",
		));

	describeEachDialect("rabbitmq", (t) => {
		const transaction = <T>(work: (trx: never) => Promise<T>) =>
			t()
				.app.db.kysely.transaction()
				.execute((trx) => work(trx as never));
		// Jobs another test left would get messages in this test's queues.
		beforeEach(async () => {
			await t().app.db.kysely.deleteFrom("_jobs").execute();
		});

		describe("contract", () => {
			queueContract({ driver: () => driverOf(t()), transaction });
		});

		// The next service's driver options (relay pace, lost-message check).
		let more: { relayPollMs?: number; lostAfterMs?: number } = {};
		const {
			service: serviceOn,
			settle,
			counting,
		} = jobServices(() => driverOf(t(), more), SETTINGS);
		const service = (
			definitions: Record<string, JobDefinition>,
			options: typeof more = {},
		) => {
			more = options;
			return serviceOn(definitions);
		};
		const publishedAt = async (id: string) =>
			(
				await t()
					.app.db.kysely.selectFrom("_jobs")
					.select("published_at")
					.where("id", "=", id)
					.executeTakeFirstOrThrow()
			).published_at;

		describe("messages", () => {
			it("sends a job's message at once outside a transaction, and marks it sent", async () => {
				const jobs = service({});
				const job = await jobs.enqueue({ name: "once", payload: 1 });
				expect(await publishedAt(job.id)).not.toBeNull();
				expect(await drainSent("default")).toEqual([job.id]);
			});

			it("sends a job enqueued in a transaction only after the commit, once", async () => {
				// A relay that never runs by itself: the commit is what it waits for.
				const jobs = service({}, { relayPollMs: 60_000 });
				const job = await transaction(async (trx) => {
					const enqueued = await jobs.enqueue(
						{ name: "once", payload: 2 },
						trx as never,
					);
					await sleep(100);
					expect(await drain(workQueueName({ prefix }, "default"))).toEqual([]);
					return enqueued;
				});
				// The nudge after enqueue looks again in 10, 20, 40 … ms until the row shows.
				await eventually(
					() => publishedAt(job.id),
					(at) => at !== null,
				);
				expect(await drainSent("default")).toEqual([job.id]);
			});

			it("holds a delayed job in the database and sends it when it is due", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				const job = await jobs.enqueue({
					name: "once",
					payload: "later",
					options: { delayMs: 400 },
				});
				expect(await publishedAt(job.id)).toBeNull();
				jobs.startWorker();
				await sleep(200);
				expect(runs).toEqual([]);
				expect((await settle(jobs, job.id, "completed")).result).toBe("ran");
				expect(runs).toEqual(["later"]);
			});

			it("runs a job enqueued by a process that died before its relay ran, exactly once", async () => {
				const crashed = driverOf(t(), { relayPollMs: 60_000 });
				const id = await transaction(async (trx) => {
					const job = await crashed.enqueue(
						{ name: "once", payload: "orphan" },
						trx,
					);
					await crashed.close();
					return job.id;
				});
				expect(await publishedAt(id)).toBeNull();
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				// A second process relays the same rows at the same time.
				service({});
				jobs.startWorker();
				await settle(jobs, id, "completed");
				await sleep(300);
				expect(runs).toEqual(["orphan"]);
				expect((await jobs.get(id)).attempts).toBe(1);
			});

			it("drops a duplicate message: the job runs once", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				const job = await jobs.enqueue({ name: "once", payload: "dup" });
				// The same message again, as a relay that died before its mark would send it.
				const connection = await connect(url());
				const channel = await connection.createConfirmChannel();
				channel.sendToQueue(
					workQueueName({ prefix }, "default"),
					Buffer.from(job.id),
					{ persistent: true },
				);
				await channel.waitForConfirms();
				await connection.close();
				jobs.startWorker();
				await settle(jobs, job.id, "completed");
				await sleep(300);
				expect(runs).toEqual(["dup"]);
				// Both messages were taken and acknowledged.
				expect(await drain(workQueueName({ prefix }, "default"))).toEqual([]);
			});

			it("sends a job again when its message came before its time (the sender's clock ahead)", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				const job = await jobs.enqueue({ name: "once", payload: "early" });
				expect(await publishedAt(job.id)).not.toBeNull();
				// As the worker's clock reads it, the job is due 400 ms after its message.
				await t()
					.app.db.kysely.updateTable("_jobs")
					.set({ run_at: new Date(Date.now() + 400).toISOString() })
					.where("id", "=", job.id)
					.execute();
				jobs.startWorker();
				await eventually(
					() => publishedAt(job.id),
					(at) => at === null,
				);
				expect(runs).toEqual([]);
				expect((await settle(jobs, job.id, "completed")).attempts).toBe(1);
				expect(runs).toEqual(["early"]);
			});

			it("sends a job again when RabbitMQ lost its message (a queue purged by hand)", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs), { lostAfterMs: 300 });
				const job = await jobs.enqueue({ name: "once", payload: "lost" });
				expect(await drainSent("default")).toEqual([job.id]);
				jobs.startWorker();
				expect((await settle(jobs, job.id, "completed")).attempts).toBe(1);
				expect(runs).toEqual(["lost"]);
			});
		});

		describe("dead letters", () => {
			it("sends a job that failed for good to the dead-letter queue, with its error", async () => {
				const jobs = service({
					doomed: {
						handler: async () => {
							throw new Error("the printer is on fire");
						},
					},
				});
				jobs.startWorker();
				const job = await jobs.enqueue({
					name: "doomed",
					payload: null,
					options: { maxAttempts: 2 },
				});
				expect((await settle(jobs, job.id, "failed")).attempts).toBe(2);
				const letters = await eventually(
					() => drain(deadQueueName({ prefix })),
					(found) => found.length > 0,
				);
				expect(letters.map((body) => JSON.parse(body))).toEqual([
					expect.objectContaining({
						id: job.id,
						queue: "default",
						name: "doomed",
						attempts: 2,
						error: "the printer is on fire",
					}),
				]);
			});

			it("dead-letters a message that names no job, and keeps working", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				jobs.startWorker();
				await sleep(200); // the consumer declares the queue
				const connection = await connect(url());
				const channel = await connection.createConfirmChannel();
				channel.sendToQueue(
					workQueueName({ prefix }, "default"),
					Buffer.from("not a job id: <script>"),
					{ persistent: true },
				);
				await channel.waitForConfirms();
				await connection.close();
				const letters = await eventually(
					() => drain(deadQueueName({ prefix })),
					(found) => found.length > 0,
				);
				expect(letters).toEqual(["not a job id: <script>"]);
				const job = await jobs.enqueue({ name: "once", payload: "after" });
				await settle(jobs, job.id, "completed");
				expect(runs).toEqual(["after"]);
			});
		});

		// A worker that dies (SIGKILL, power loss) leaves its job "running" under a
		// lease nobody extends; RabbitMQ hands its message to another worker, which
		// leaves it alone while the lease lives. After the lease, the relay sends one
		// new message and the job runs again.
		describe("leases", () => {
			const orphan = (id: string, attempts: number, leaseEndsInMs: number) =>
				orphanJob(t().app.db.kysely, id, attempts, leaseEndsInMs);

			it("runs a job again after its worker's lease expired, counting the lost attempt", async () => {
				const jobs = service({
					resume: {
						handler: async ({ attempt }) => `done on attempt ${attempt}`,
					},
				});
				const job = await jobs.enqueue({ name: "resume", payload: null });
				// Its message reached the dead worker, which claimed the job and died.
				await drainSent("default");
				await orphan(job.id, 1, 300);
				jobs.startWorker();
				await sleep(150);
				expect((await jobs.get(job.id)).status).toBe("running");
				expect(await settle(jobs, job.id, "completed")).toMatchObject({
					attempts: 2,
					result: "done on attempt 2",
				});
			});

			it("fails a job whose last attempt died, naming the lost lease", async () => {
				const lost: string[] = [];
				const jobs = service({
					resume: {
						handler: async () => "never",
						onLostLastAttempt: async (job) => {
							lost.push(job.id);
						},
					},
				});
				const job = await jobs.enqueue({
					name: "resume",
					payload: null,
					options: { maxAttempts: 1 },
				});
				await drainSent("default");
				await orphan(job.id, 1, 0);
				jobs.startWorker();
				const failed = await settle(jobs, job.id, "failed");
				expect(failed.lastError).toContain("lease expired");
				expect(lost).toEqual([job.id]);
			});

			it("leaves a job alone while its worker's lease lives, even when its message comes back", async () => {
				let ran = false;
				const jobs = service({
					held: {
						handler: async () => {
							ran = true;
						},
					},
				});
				const job = await jobs.enqueue({ name: "held", payload: null });
				// The message stays in the queue (as one redelivered after a lost channel).
				await orphan(job.id, 1, 60_000);
				jobs.startWorker();
				await sleep(SETTINGS.leaseMs * 2);
				expect(ran).toBe(false);
				// The worker took the message and dropped it.
				expect(await drain(workQueueName({ prefix }, "default"))).toEqual([]);
				expect((await jobs.get(job.id)).status).toBe("running");
			});
		});
	});
});
