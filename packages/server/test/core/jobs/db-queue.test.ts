import { describe, expect, it } from "vitest";
import {
	createDbQueueDriver,
	JobsService,
} from "../../../src/core/jobs/index.js";
import { createLogger } from "../../../src/tools/logger/index.js";
import { describeEachDialect } from "../../helpers/each-dialect.js";
import type { TestApp } from "../../helpers/test-app.js";
import { eventually, orphanJob, queueContract } from "./queue-contract.js";

const silent = createLogger({ level: "silent", format: "json" });

function driverOf(t: TestApp) {
	const { app } = t;
	return createDbQueueDriver({
		db: app.db,
		newId: app.newId,
		clock: app.clock,
		logger: silent,
	});
}

describeEachDialect("db queue driver", (t) => {
	describe("contract", () => {
		queueContract({
			driver: () => driverOf(t()),
			transaction: (work) =>
				t()
					.app.db.kysely.transaction()
					.execute((trx) => work(trx as never)),
		});
	});

	// A worker that dies (SIGKILL, power loss) leaves its job "running" with a lease
	// nobody extends: the next claim after the lease takes it over.
	describe("leases", () => {
		const settings = {
			queues: { default: 2 },
			leaseMs: 500,
			pollMs: 20,
			drainMs: 1000,
			backoffMs: 20,
		};
		const orphan = (id: string, attempts: number) =>
			orphanJob(t().app.db.kysely, id, attempts, -1000);

		it("runs a job again when its worker died, counting the lost attempt", async () => {
			const jobs = new JobsService({
				driver: driverOf(t()),
				settings,
				logger: silent,
			});
			jobs.register("resume", {
				handler: async ({ attempt }) => `done on attempt ${attempt}`,
			});
			const job = await jobs.enqueue({
				name: "resume",
				payload: null,
				options: { delayMs: 60_000 },
			});
			await orphan(job.id, 1);
			jobs.startWorker();
			const done = await eventually(
				() => jobs.get(job.id),
				(j) => j.status === "completed",
			);
			expect(done).toMatchObject({
				status: "completed",
				attempts: 2,
				result: "done on attempt 2",
			});
			await jobs.stop();
		});

		it("fails a job whose last attempt died, naming the lost lease", async () => {
			const jobs = new JobsService({
				driver: driverOf(t()),
				settings,
				logger: silent,
			});
			const lost: string[] = [];
			jobs.register("resume", {
				handler: async () => "never",
				onLostLastAttempt: async (job, error) => {
					lost.push(`${job.id}: ${error}`);
				},
			});
			const job = await jobs.enqueue({
				name: "resume",
				payload: null,
				options: { maxAttempts: 2, delayMs: 60_000 },
			});
			await orphan(job.id, 2);
			jobs.startWorker();
			const failed = await eventually(
				() => jobs.get(job.id),
				(j) => j.status === "failed",
			);
			expect(failed.lastError).toContain("lease expired");
			expect(failed.result).toBeNull();
			// The handler's owner hears of it, to close its own records.
			expect(lost).toEqual([`${job.id}: ${failed.lastError}`]);
			await jobs.stop();
		});

		it("does not take a job whose lease is still alive", async () => {
			const jobs = new JobsService({
				driver: driverOf(t()),
				settings,
				logger: silent,
			});
			let ran = false;
			jobs.register("held", {
				handler: async () => {
					ran = true;
				},
			});
			const job = await jobs.enqueue({
				name: "held",
				payload: null,
				options: { delayMs: 60_000 },
			});
			await orphanJob(t().app.db.kysely, job.id, 1, 60_000, "live-worker");
			jobs.startWorker();
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(ran).toBe(false);
			expect((await jobs.get(job.id)).status).toBe("running");
			await jobs.stop();
		});
	});

	// The claim commits (the job reads "running") before its answer is back in the
	// worker: a stop in between must still wait for that job.
	it("finishes a job whose claim was on its way back when the worker was told to stop", async () => {
		const jobs = new JobsService({
			driver: driverOf(t()),
			settings: {
				queues: { default: 1 },
				leaseMs: 5000,
				pollMs: 20,
				drainMs: 5000,
				backoffMs: 20,
			},
			logger: silent,
		});
		const runs: string[] = [];
		jobs.register("steady", {
			handler: async () => {
				await new Promise((resolve) => setTimeout(resolve, 50));
				runs.push("ran");
				return "finished";
			},
		});
		const job = await jobs.enqueue({ name: "steady", payload: null });
		let stopped: Promise<void> | undefined;
		// Heard once the claim's UPDATE has run, before claimJobs hands its rows back.
		const stopListening = t().app.db.onQuery((event) => {
			if (stopped === undefined && /^\s*UPDATE _jobs/i.test(event.sql))
				stopped = jobs.stop();
		});
		try {
			jobs.startWorker();
			await eventually(
				async () => stopped !== undefined,
				(told) => told,
			);
			expect(stopped, "the claim was heard").toBeDefined();
			await stopped;
			expect(runs).toEqual(["ran"]);
			expect((await jobs.get(job.id)).status).toBe("completed");
		} finally {
			stopListening();
		}
	});
});
