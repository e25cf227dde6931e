import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import type { Executor } from "../../../src/core/db/index.js";
import {
	type Job,
	type JobDefinition,
	JobsService,
	type JobsSettings,
	PermanentJobError,
	type QueueDriver,
} from "../../../src/core/jobs/index.js";
import { createLogger } from "../../../src/tools/logger/index.js";
import { createTestApp } from "../../helpers/test-app.js";

/** What a driver's contract run needs: a fresh driver per test, and its transactions. */
export interface ContractHarness {
	driver(): QueueDriver;
	/** Runs work in a transaction of the App's database; the driver's enqueue may join it. */
	transaction?<T>(work: (trx: never) => Promise<T>): Promise<T>;
}

const silent = createLogger({ level: "silent", format: "json" });
const SETTINGS = {
	queues: { default: 4, solo: 1, pair: 2 },
	leaseMs: 600,
	pollMs: 20,
	drainMs: 2000,
	backoffMs: 40,
};

/** Polls until `check` passes or the time is up; returns the last value. */
export async function eventually<T>(
	read: () => Promise<T>,
	check: (value: T) => boolean,
	timeoutMs = 8000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let value = await read();
	while (!check(value) && Date.now() < deadline) {
		await sleep(15);
		value = await read();
	}
	return value;
}

/**
 * Checks that createApp picks the driver an environment names, and that a job
 * enqueued in a transaction on it runs.
 */
export async function expectWiredDriver(
	env: Record<string, string>,
	name: QueueDriver["name"],
): Promise<void> {
	const t = await createTestApp("sqlite", undefined, {
		BASALT_JOB_POLL_MS: "20",
		...env,
	});
	try {
		const { jobs } = t.app;
		expect(jobs.driver.name).toBe(name);
		jobs.register("wired", { handler: async () => "ok" });
		jobs.startWorker();
		const job = await t.app.db.kysely
			.transaction()
			.execute((trx) => jobs.enqueue({ name: "wired", payload: null }, trx));
		const done = await eventually(
			() => jobs.get(job.id),
			(j) => j.status === "completed",
		);
		expect(done.result).toBe("ok");
	} finally {
		await t.close();
	}
}

/** Job services built on fresh drivers, stopped after each test. */
export interface JobServices {
	/** A JobsService on a new driver with these handlers (and settings over the defaults). */
	service(
		definitions: Record<string, JobDefinition>,
		settings?: Partial<JobsSettings>,
	): JobsService;
	/** Waits until a job reaches a status; returns it as last read. */
	settle(jobs: JobsService, id: string, status: Job["status"]): Promise<Job>;
	/** A handler "once" that records each payload it runs. */
	counting(runs: unknown[]): Record<string, JobDefinition>;
}

/**
 * The helpers every queue suite uses: services on fresh drivers (from `driver`, which
 * may take the settings' options), stopped in an afterEach of the calling suite.
 */
export function jobServices(
	driver: () => QueueDriver,
	defaults: JobsSettings,
): JobServices {
	let services: JobsService[] = [];
	afterEach(async () => {
		await Promise.all(services.map((s) => s.stop()));
		services = [];
	});
	return {
		service(definitions, settings = {}) {
			const jobs = new JobsService({
				driver: driver(),
				settings: { ...defaults, ...settings },
				logger: silent,
			});
			for (const [name, definition] of Object.entries(definitions))
				jobs.register(name, definition);
			services.push(jobs);
			return jobs;
		},
		settle: (jobs, id, status) =>
			eventually(
				() => jobs.get(id),
				(job) => job.status === status,
			),
		counting: (runs) => ({
			once: {
				handler: async ({ job }) => {
					runs.push(job.payload);
					return "ran";
				},
			},
		}),
	};
}

/**
 * Marks a job as taken by another worker: "running" under a lease that ends
 * `leaseEndsInMs` from now (negative: already over), as a worker that died (SIGKILL,
 * power loss) leaves it, or a live one holds it.
 */
export async function orphanJob(
	db: Executor,
	id: string,
	attempts: number,
	leaseEndsInMs: number,
	workerId = "dead-worker",
): Promise<void> {
	await db
		.updateTable("_jobs")
		.set({
			status: "running",
			attempts,
			locked_by: workerId,
			locked_until: new Date(Date.now() + leaseEndsInMs).toISOString(),
		})
		.where("id", "=", id)
		.execute();
}

/**
 * The queue contract (docs/jobs.md#how-jobs-run) every driver must keep, one suite run
 * against each (as bullmq's adapter-conformance tests do): delivery, retries with
 * backoff, permanent failure, timeouts, priorities, delays, unique keys, concurrency,
 * leases, progress, retry and cancel, graceful stop, and the transactional outbox.
 */
export function queueContract(harness: ContractHarness): void {
	const { service, settle } = jobServices(() => harness.driver(), SETTINGS);

	it("runs a job once with its payload and keeps its result", async () => {
		const seen: unknown[] = [];
		const jobs = service({
			echo: {
				handler: async ({ job }) => {
					seen.push(job.payload);
					return { doubled: (job.payload as { n: number }).n * 2 };
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({ name: "echo", payload: { n: 21 } });
		expect(["waiting", "running", "completed"]).toContain(job.status);
		const done = await settle(jobs, job.id, "completed");
		expect(done).toMatchObject({
			status: "completed",
			attempts: 1,
			result: { doubled: 42 },
			lastError: null,
		});
		expect(done.started).not.toBeNull();
		expect(done.finished).not.toBeNull();
		expect(seen).toEqual([{ n: 21 }]);
	});

	it("retries a failing job with backoff, then keeps it failed with its error", async () => {
		const attempts: number[] = [];
		const jobs = service({
			flaky: {
				handler: async ({ attempt }) => {
					attempts.push(Date.now());
					throw new Error(`boom ${attempt}`);
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({
			name: "flaky",
			payload: null,
			options: { maxAttempts: 3 },
		});
		const failed = await settle(jobs, job.id, "failed");
		expect(failed).toMatchObject({
			status: "failed",
			attempts: 3,
			lastError: "boom 3",
		});
		expect(attempts).toHaveLength(3);
		// 40 ms then 80 ms base delays, each at least half of that after jitter.
		expect(
			(attempts[1] as number) - (attempts[0] as number),
		).toBeGreaterThanOrEqual(18);
		expect(
			(attempts[2] as number) - (attempts[1] as number),
		).toBeGreaterThanOrEqual(38);
	});

	it("fails at once on a PermanentJobError", async () => {
		const jobs = service({
			doomed: {
				handler: async () => {
					throw new PermanentJobError("bad input");
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({
			name: "doomed",
			payload: null,
			options: { maxAttempts: 5 },
		});
		expect(await settle(jobs, job.id, "failed")).toMatchObject({
			attempts: 1,
			lastError: "bad input",
		});
	});

	it("times out a handler that never settles and keeps working other jobs", async () => {
		const jobs = service({
			hang: { handler: () => new Promise(() => {}), timeoutMs: 60 },
			quick: { handler: async () => "ok" },
		});
		jobs.startWorker();
		const hung = await jobs.enqueue({
			name: "hang",
			payload: null,
			options: { maxAttempts: 2 },
		});
		const quick = await jobs.enqueue({ name: "quick", payload: null });
		expect((await settle(jobs, quick.id, "completed")).result).toBe("ok");
		const failed = await settle(jobs, hung.id, "failed");
		expect(failed.attempts).toBe(2);
		expect(failed.lastError).toContain("timed out");
	});

	it("runs higher priorities first and holds delayed jobs until their time", async () => {
		const order: string[] = [];
		const jobs = service({
			mark: {
				handler: async ({ job }) => {
					order.push(job.payload as string);
				},
			},
		});
		const low = await jobs.enqueue({
			name: "mark",
			payload: "low",
			options: { queue: "solo", priority: 0 },
		});
		await jobs.enqueue({
			name: "mark",
			payload: "high",
			options: { queue: "solo", priority: 10 },
		});
		const later = await jobs.enqueue({
			name: "mark",
			payload: "later",
			options: { queue: "solo", priority: 99, delayMs: 400 },
		});
		expect(later.status).toBe("delayed");
		jobs.startWorker();
		await settle(jobs, low.id, "completed");
		expect(order).toEqual(["high", "low"]);
		await settle(jobs, later.id, "completed");
		expect(order).toEqual(["high", "low", "later"]);
	});

	it("deduplicates by unique key while the first job is pending", async () => {
		const jobs = service({ once: { handler: async () => "done" } });
		const first = await jobs.enqueue({
			name: "once",
			payload: 1,
			options: { uniqueKey: "report:7" },
		});
		const second = await jobs.enqueue({
			name: "once",
			payload: 2,
			options: { uniqueKey: "report:7" },
		});
		expect(second.id).toBe(first.id);
		jobs.startWorker();
		await settle(jobs, first.id, "completed");
		const third = await jobs.enqueue({
			name: "once",
			payload: 3,
			options: { uniqueKey: "report:7" },
		});
		expect(third.id).not.toBe(first.id);
	});

	it("runs at most a queue's concurrency at once", async () => {
		let current = 0;
		let peak = 0;
		const jobs = service({
			slow: {
				handler: async () => {
					current += 1;
					peak = Math.max(peak, current);
					await sleep(60);
					current -= 1;
				},
			},
		});
		const ids = [];
		for (let i = 0; i < 6; i++)
			ids.push(
				(
					await jobs.enqueue({
						name: "slow",
						payload: i,
						options: { queue: "pair" },
					})
				).id,
			);
		jobs.startWorker();
		for (const id of ids) await settle(jobs, id, "completed");
		expect(peak).toBe(2);
	});

	it("reports progress while a job runs", async () => {
		let release = () => {};
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const jobs = service({
			long: {
				handler: async ({ reportProgress }) => {
					await reportProgress({ done: 1, of: 2 });
					await gate;
					return "finished";
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({ name: "long", payload: null });
		const running = await eventually(
			() => jobs.get(job.id),
			(j) => j.progress !== null,
		);
		expect(running).toMatchObject({
			status: "running",
			progress: { done: 1, of: 2 },
		});
		release();
		expect((await settle(jobs, job.id, "completed")).result).toBe("finished");
	});

	it("retries failed jobs and cancels waiting ones, refusing other states", async () => {
		let fail = true;
		const jobs = service({
			toggle: {
				handler: async () => {
					if (fail) throw new PermanentJobError("not yet");
					return "now";
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({ name: "toggle", payload: null });
		await settle(jobs, job.id, "failed");
		await expect(jobs.cancel(job.id)).rejects.toMatchObject({
			code: "JOB_NOT_CANCELLABLE",
		});
		fail = false;
		const retried = await jobs.retry(job.id);
		expect(["waiting", "running", "completed"]).toContain(retried.status);
		expect((await settle(jobs, job.id, "completed")).result).toBe("now");
		await expect(jobs.retry(job.id)).rejects.toMatchObject({
			code: "JOB_NOT_RETRYABLE",
		});
		const waiting = await jobs.enqueue({
			name: "toggle",
			payload: null,
			options: { delayMs: 60_000 },
		});
		expect((await jobs.cancel(waiting.id)).status).toBe("cancelled");
		await expect(jobs.get("no-such-job")).rejects.toMatchObject({
			code: "JOB_NOT_FOUND",
		});
	});

	it("lets a stopping worker finish its running jobs", async () => {
		const jobs = service({
			steady: {
				handler: async () => {
					await sleep(150);
					return "finished";
				},
			},
		});
		jobs.startWorker();
		const job = await jobs.enqueue({ name: "steady", payload: null });
		await eventually(
			() => jobs.get(job.id),
			(j) => j.status === "running",
		);
		await jobs.stop();
		const after = service({});
		expect((await after.get(job.id)).status).toBe("completed");
	});

	it("purges jobs that ended before a cutoff and keeps the rest", async () => {
		const jobs = service({
			quick: { handler: async () => "done" },
			doomed: {
				handler: async () => {
					throw new PermanentJobError("no");
				},
			},
		});
		jobs.startWorker();
		const done = await jobs.enqueue({ name: "quick", payload: 1 });
		const failed = await jobs.enqueue({ name: "doomed", payload: 2 });
		const pending = await jobs.enqueue({
			name: "quick",
			payload: 3,
			options: { delayMs: 60_000 },
		});
		await settle(jobs, done.id, "completed");
		await settle(jobs, failed.id, "failed");
		expect(await jobs.driver.purgeFinished(new Date(Date.now() - 60_000))).toBe(
			0,
		);
		expect(await jobs.driver.getJob(done.id)).toBeDefined();
		expect(
			await jobs.driver.purgeFinished(new Date(Date.now() + 60_000)),
		).toBeGreaterThanOrEqual(2);
		expect(await jobs.driver.getJob(done.id)).toBeUndefined();
		expect(await jobs.driver.getJob(failed.id)).toBeUndefined();
		expect((await jobs.get(pending.id)).status).toBe("delayed");
	});

	it("lists jobs by queue and status, and refuses unknown queues", async () => {
		const jobs = service({});
		const a = await jobs.enqueue({
			name: "x",
			payload: null,
			options: { queue: "solo", delayMs: 60_000 },
		});
		await jobs.enqueue({
			name: "x",
			payload: null,
			options: { queue: "pair", delayMs: 60_000 },
		});
		const solo = await jobs.list({
			queue: "solo",
			status: "delayed",
			page: 1,
			perPage: 10,
		});
		expect(solo.items.map((j) => j.id)).toContain(a.id);
		expect(
			solo.items.every((j) => j.queue === "solo" && j.status === "delayed"),
		).toBe(true);
		await expect(
			jobs.list({ queue: "nope", page: 1, perPage: 10 }),
		).rejects.toMatchObject({ code: "QUEUE_NOT_FOUND" });
	});

	if (harness.transaction) {
		const transaction = harness.transaction.bind(harness);
		it("enqueues inside a transaction: a rollback drops the job, a commit keeps it", async () => {
			const jobs = service({ outbox: { handler: async () => "sent" } });
			let dropped: Job | undefined;
			await expect(
				transaction(async (trx) => {
					dropped = await jobs.enqueue(
						{ name: "outbox", payload: "rolled back" },
						trx,
					);
					throw new Error("roll back");
				}),
			).rejects.toThrow("roll back");
			expect(await jobs.driver.getJob((dropped as Job).id)).toBeUndefined();
			const kept = await transaction((trx) =>
				jobs.enqueue({ name: "outbox", payload: "committed" }, trx),
			);
			jobs.startWorker();
			expect((await settle(jobs, kept.id, "completed")).result).toBe("sent");
		});
	}
}
