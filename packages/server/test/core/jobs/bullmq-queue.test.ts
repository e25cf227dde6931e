import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
	clampPriority,
	fromBullPriority,
	toBullPriority,
} from "../../../src/core/jobs/bullmq/bullmq-job.js";
import { createBullmqQueueDriver } from "../../../src/core/jobs/bullmq/bullmq-queue-driver.js";
import { insertOutboxRow } from "../../../src/core/jobs/bullmq/job-outbox.js";
import type {
	JobDefinition,
	JobsService,
} from "../../../src/core/jobs/index.js";
import { createLogger } from "../../../src/tools/logger/index.js";
import { createRedisClient } from "../../../src/tools/redis/redis-client.js";
import { describeEachDialect } from "../../helpers/each-dialect.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../../helpers/redis-server.js";
import type { TestApp } from "../../helpers/test-app.js";
import {
	eventually,
	expectWiredDriver,
	jobServices,
	queueContract,
} from "./queue-contract.js";

const silent = createLogger({ level: "silent", format: "json" });
const SETTINGS = {
	queues: { default: 4, solo: 1 },
	leaseMs: 300,
	pollMs: 20,
	drainMs: 2000,
	backoffMs: 40,
};
const redisBin = findRedisServer();

describe("bullmq priority mapping", () => {
	it("maps higher Basalt priorities to lower BullMQ numbers, never to 0", () => {
		expect(toBullPriority(0)).toBe(2 ** 20);
		expect(toBullPriority(10)).toBeLessThan(toBullPriority(0));
		expect(toBullPriority(-10)).toBeGreaterThan(toBullPriority(0));
		// 0 would mean "no priority" to BullMQ, which runs before every prioritized job.
		expect(toBullPriority(1e12)).toBe(1);
		expect(toBullPriority(-1e12)).toBe(2 ** 21 - 1);
		for (const p of [-1_048_575, -3, 0, 7, 1_048_575])
			expect(fromBullPriority(toBullPriority(p))).toBe(clampPriority(p));
	});
});

(redisBin ? describe : describe.skip)("bullmq queue driver", () => {
	let redis: RedisServer | undefined;
	// A prefix per test: its queues, jobs and snapshots are its own.
	let prefix = "";
	beforeAll(async () => {
		redis = await startRedis(redisBin as string);
	});
	afterAll(async () => {
		await redis?.stop();
	});
	beforeEach(() => {
		prefix = `t${randomBytes(5).toString("hex")}`;
	});
	const driverOf = (t: TestApp, relayPollMs = 50) =>
		createBullmqQueueDriver({
			db: t.app.db,
			newId: t.app.newId,
			clock: t.app.clock,
			logger: silent,
			connectRedis: (options) =>
				createRedisClient({ url: (redis as RedisServer).url }, options),
			prefix,
			relayPollMs,
		});

	it("is the driver createApp picks for BASALT_QUEUE=bullmq", () =>
		expectWiredDriver(
			{
				BASALT_QUEUE: "bullmq",
				REDIS_URL: (redis as RedisServer).url,
			},
			"bullmq",
		));

	describeEachDialect("bullmq", (t) => {
		const transaction = <T>(work: (trx: never) => Promise<T>) =>
			t()
				.app.db.kysely.transaction()
				.execute((trx) => work(trx as never));
		const outboxIds = async () =>
			(
				await t().app.db.kysely.selectFrom("_job_outbox").select("id").execute()
			).map((row) => row.id);
		// Rows another test left unrelayed would be relayed into this test's prefix.
		beforeEach(async () => {
			await t().app.db.kysely.deleteFrom("_job_outbox").execute();
		});

		describe("contract", () => {
			queueContract({ driver: () => driverOf(t()), transaction });
		});

		let relayPollMs = 50;
		const {
			service: serviceOn,
			settle,
			counting,
		} = jobServices(() => driverOf(t(), relayPollMs), SETTINGS);
		const service = (
			definitions: Record<string, JobDefinition>,
			settings: Partial<typeof SETTINGS> = {},
			pollMs = 50,
		) => {
			relayPollMs = pollMs;
			return serviceOn(definitions, settings);
		};
		// The process dies after its transaction committed and before its relay ran.
		const commitThenCrash = async (payloads: unknown[], uniqueKey?: string) => {
			const crashed = driverOf(t(), 60_000);
			return transaction(async (trx) => {
				const ids: string[] = [];
				for (const payload of payloads) {
					const options = uniqueKey ? { uniqueKey } : {};
					ids.push(
						(await crashed.enqueue({ name: "once", payload, options }, trx)).id,
					);
				}
				await crashed.close();
				return ids;
			});
		};

		describe("outbox", () => {
			it("runs a job exactly once when its process died between commit and relay", async () => {
				const [id] = (await commitThenCrash([{ n: 1 }])) as [string];
				expect(await outboxIds()).toEqual([id]);
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				expect((await jobs.get(id)).status).toBe("waiting");
				jobs.startWorker();
				expect(await settle(jobs, id, "completed")).toMatchObject({
					attempts: 1,
					result: "ran",
				});
				await sleep(200); // several more relay passes
				expect(runs).toEqual([{ n: 1 }]);
				expect(await outboxIds()).toEqual([]);
			});

			it("creates one job per row however often the row is relayed", async () => {
				const ids = await commitThenCrash([1, 2, 3]);
				const runs: unknown[] = [];
				// Two processes relay the same rows at the same time.
				const jobs = service(counting(runs));
				service({});
				jobs.startWorker();
				for (const id of ids) await settle(jobs, id, "completed");
				// The relay added a job, then died before deleting its row: it comes back.
				const first = await jobs.get(ids[0] as string);
				await insertOutboxRow(t().app.db.kysely, t().app.db, {
					id: first.id,
					queue: first.queue,
					name: first.name,
					payload: first.payload,
					options: {},
					created: first.created,
				});
				await eventually(outboxIds, (left) => left.length === 0);
				await sleep(200);
				expect(runs.sort()).toEqual([1, 2, 3]);
				expect(await jobs.get(first.id)).toMatchObject({
					status: "completed",
					attempts: 1,
				});
				const listed = await jobs.list({ page: 1, perPage: 10 });
				expect(listed.totalItems).toBe(3);
			});

			it("merges jobs of one unique key enqueued in transactions; both ids lead to the job", async () => {
				const [a, b] = (await commitThenCrash(["a", "b"], "report:1")) as [
					string,
					string,
				];
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				jobs.startWorker();
				// One of the two wins BullMQ's deduplication; the other id leads to it.
				const winner = await eventually(
					() => jobs.get(a),
					(job) => job.status === "completed",
				);
				// The relay deletes its rows after the whole batch is in Redis: until
				// then the second id still reads as its own outbox row.
				await eventually(outboxIds, (left) => left.length === 0);
				expect((await jobs.get(b)).id).toBe(winner.id);
				expect(runs).toEqual([winner.payload]);
			});

			it("cancels a job still in the outbox: it never runs", async () => {
				const [id] = (await commitThenCrash(["never"])) as [string];
				const runs: unknown[] = [];
				const jobs = service(counting(runs), {}, 60_000);
				expect((await jobs.cancel(id)).status).toBe("cancelled");
				jobs.startWorker();
				await sleep(300);
				expect(runs).toEqual([]);
				expect(await outboxIds()).toEqual([]);
				expect((await jobs.get(id)).status).toBe("cancelled");
			});
		});

		describe("driver", () => {
			it("runs negative priorities after the default one", async () => {
				const order: unknown[] = [];
				const jobs = service(counting(order));
				for (const priority of [-5, 0, 5])
					await jobs.enqueue({
						name: "once",
						payload: priority,
						options: { queue: "solo", priority },
					});
				jobs.startWorker();
				await eventually(
					async () => order.length,
					(n) => n === 3,
				);
				expect(order).toEqual([5, 0, -5]);
			});

			it("keeps a cancelled job, lists it, and retries it with its id and payload", async () => {
				const runs: unknown[] = [];
				const jobs = service(counting(runs));
				const job = await jobs.enqueue({
					name: "once",
					payload: { n: 5 },
					options: { delayMs: 60_000, uniqueKey: "export:5", priority: 3 },
				});
				const later = await jobs.enqueue({
					name: "once",
					payload: 6,
					options: { delayMs: 60_000 },
				});
				expect(await jobs.cancel(job.id)).toMatchObject({
					status: "cancelled",
					priority: 3,
					uniqueKey: "export:5",
					payload: { n: 5 },
				});
				const list = await jobs.list({
					status: "cancelled",
					page: 1,
					perPage: 10,
				});
				expect(list.items.map((j) => j.id)).toEqual([job.id]);
				// Cancelling freed the unique key.
				const other = await jobs.enqueue({
					name: "once",
					payload: 7,
					options: { uniqueKey: "export:5" },
				});
				expect(other.id).not.toBe(job.id);
				const all = await jobs.list({ page: 1, perPage: 2 });
				expect(all.totalItems).toBe(3);
				expect(all.items.map((j) => j.id)).toEqual([other.id, later.id]);
				await jobs.cancel(other.id);
				expect((await jobs.retry(job.id)).id).toBe(job.id);
				jobs.startWorker();
				expect(await settle(jobs, job.id, "completed")).toMatchObject({
					attempts: 1,
					priority: 3,
				});
				expect(runs).toEqual([{ n: 5 }]);
			});

			it("gives a job back when the grace runs out while stopping", async () => {
				const jobs = service(
					{
						slow: {
							handler: ({ signal }) =>
								new Promise((_, reject) =>
									signal.addEventListener("abort", () => reject(signal.reason)),
								),
						},
					},
					{ drainMs: 100 },
				);
				const started = Date.now();
				jobs.startWorker();
				const job = await jobs.enqueue({ name: "slow", payload: null });
				await settle(jobs, job.id, "running");
				// Readiness: the worker beats (Redis pinged) while a job holds it.
				await sleep(SETTINGS.leaseMs + 100);
				expect(jobs.isWorkerHealthy(started + 30_050)).toBe(true);
				expect(jobs.isWorkerHealthy(Date.now() + 60_000)).toBe(false);
				await jobs.stop();
				const after = service({
					slow: { handler: async ({ attempt }) => `attempt ${attempt}` },
				});
				expect(await after.get(job.id)).toMatchObject({
					status: "waiting",
					attempts: 0,
					lastError: null,
				});
				after.startWorker();
				expect((await settle(after, job.id, "completed")).result).toBe(
					"attempt 1",
				);
			});
		});

		// A worker that dies (SIGKILL, power loss) leaves its job active with a lock
		// nobody renews. The "dead" worker here is a bare BullMQ Worker whose handler
		// never settles, force-closed mid-job: like a killed process, it neither
		// finishes the job nor renews its lock.
		describe("leases", () => {
			const holdJob = async (jobs: JobsService, id: string) => {
				const connection = new Redis((redis as RedisServer).url, {
					maxRetriesPerRequest: null,
				});
				const holder = new Worker("default", () => new Promise(() => {}), {
					connection,
					prefix,
					lockDuration: SETTINGS.leaseMs,
					skipStalledCheck: true,
				});
				holder.on("error", () => {});
				await settle(jobs, id, "running");
				return {
					async die() {
						await holder.close(true);
						connection.disconnect();
					},
				};
			};

			it("runs a job again when its worker died, counting the lost attempt", async () => {
				const jobs = service({
					resume: {
						handler: async ({ attempt }) => `done on attempt ${attempt}`,
					},
				});
				const job = await jobs.enqueue({ name: "resume", payload: null });
				await (await holdJob(jobs, job.id)).die();
				jobs.startWorker();
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
						onLostLastAttempt: async (lostJob) => {
							lost.push(lostJob.id);
						},
					},
				});
				const job = await jobs.enqueue({
					name: "resume",
					payload: null,
					options: { maxAttempts: 1 },
				});
				await (await holdJob(jobs, job.id)).die();
				jobs.startWorker();
				const failed = await settle(jobs, job.id, "failed");
				expect(failed.lastError).toContain("lease expired");
				expect(failed.result).toBeNull();
				expect(lost).toEqual([job.id]);
			});

			it("does not take a job whose worker is alive", async () => {
				let ran = false;
				const jobs = service({
					held: {
						handler: async () => {
							ran = true;
						},
					},
				});
				const job = await jobs.enqueue({ name: "held", payload: null });
				const holder = await holdJob(jobs, job.id);
				jobs.startWorker();
				await sleep(SETTINGS.leaseMs * 4);
				expect(ran).toBe(false);
				expect((await jobs.get(job.id)).status).toBe("running");
				await holder.die();
			});
		});
	});
});
