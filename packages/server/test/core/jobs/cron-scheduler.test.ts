import { mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { CronScheduler, PURGE_JOB } from "../../../src/core/jobs/index.js";
import { createLogger } from "../../../src/tools/logger/index.js";
import { describeEachDialect } from "../../helpers/each-dialect.js";

const silent = createLogger({ level: "silent", format: "json" });

describeEachDialect(
	"cron schedules",
	(t) => {
		const scheduler = () => {
			const { app } = t();
			return new CronScheduler({
				db: app.db,
				jobs: app.jobs,
				logger: silent,
				clock: app.clock,
			});
		};
		const jobsNamed = async (name: string) =>
			(await t().app.jobs.list({ page: 1, perPage: 500 })).items.filter(
				(j) => j.name === name,
			);

		it("fires a run once however many processes fire it", async () => {
			t().app.jobs.register("test.report", { handler: async () => "ok" });
			const entry = {
				name: "nightly-report",
				pattern: "0 3 * * *",
				job: "test.report",
				payload: { day: 1 },
			};
			// Runs of today and tomorrow: the purge test below expects them kept, and
			// the retention period counts back from the real clock.
			const at = new Date();
			at.setUTCHours(3, 0, 0, 0);
			const next = new Date(at.getTime() + 24 * 3600_000);
			const outcomes = await Promise.all(
				[scheduler(), scheduler(), scheduler(), scheduler()].map((s) =>
					s.fire(entry, at),
				),
			);
			expect(outcomes.filter(Boolean)).toHaveLength(1);
			const jobs = await jobsNamed("test.report");
			expect(jobs).toHaveLength(1);
			expect(jobs[0]?.payload).toEqual({ day: 1 });
			// The next run of the same schedule is a new job.
			expect(await scheduler().fire(entry, next)).toBe(true);
			expect(await jobsNamed("test.report")).toHaveLength(2);
		});

		it("starts real schedules in two schedulers without duplicate runs", async () => {
			t().app.jobs.register("test.tick", { handler: async () => "tick" });
			const entry = {
				name: "every-second",
				pattern: "* * * * * *",
				job: "test.tick",
			};
			const a = scheduler();
			const b = scheduler();
			a.start([entry]);
			b.start([entry]);
			await new Promise((resolve) => setTimeout(resolve, 2500));
			a.stop();
			b.stop();
			const runs = await t()
				.app.db.kysely.selectFrom("_cron_runs")
				.selectAll()
				.where("name", "=", "every-second")
				.execute();
			const jobs = await jobsNamed("test.tick");
			expect(runs.length).toBeGreaterThanOrEqual(2);
			expect(jobs).toHaveLength(runs.length);
			expect(new Set(runs.map((r) => r.job_id)).size).toBe(runs.length);
		});

		it("refuses schedules that name unknown jobs or queues, or repeat a name", () => {
			const s = scheduler();
			expect(() =>
				s.start([{ name: "x", pattern: "* * * * *", job: "no.such.job" }]),
			).toThrow(/unknown job/);
			expect(() =>
				s.start([
					{ name: "x", pattern: "* * * * *", job: PURGE_JOB, queue: "nope" },
				]),
			).toThrow(/unknown queue/);
			expect(() =>
				s.start([
					{ name: "x", pattern: "* * * * *", job: PURGE_JOB },
					{ name: "x", pattern: "* * * * *", job: PURGE_JOB },
				]),
			).toThrow(/twice/);
		});

		it("purges expired idempotency keys and old cron runs", async () => {
			const { app } = t();
			const old = "2000-01-01T00:00:00.000Z";
			const future = "2999-01-01T00:00:00.000Z";
			const key = (name: string, expires: string) => ({
				scope: "test",
				key: name,
				request_hash: "h",
				status: 201,
				headers: app.db.dialect.encode("json", {}),
				body: "{}",
				created: old,
				expires,
			});
			await app.db.kysely
				.insertInto("_idempotency_keys")
				.values([key("expired", old), key("live", future)])
				.execute();
			await app.db.kysely
				.insertInto("_cron_runs")
				.values({ name: "ancient", scheduled_at: old, created: old })
				.execute();
			const exportsDir = path.join(app.config.dataDir, "exports");
			mkdirSync(exportsDir, { recursive: true });
			writeFileSync(path.join(exportsDir, "old.csv"), "x");
			utimesSync(
				path.join(exportsDir, "old.csv"),
				new Date(old),
				new Date(old),
			);
			writeFileSync(path.join(exportsDir, "new.csv"), "x");
			app.jobs.startWorker();
			const job = await app.jobs.enqueue({ name: PURGE_JOB, payload: null });
			let done = await app.jobs.get(job.id);
			for (let i = 0; i < 200 && done.status !== "completed"; i++) {
				await new Promise((resolve) => setTimeout(resolve, 20));
				done = await app.jobs.get(job.id);
			}
			expect(done.result).toMatchObject({
				idempotencyKeys: 1,
				cronRuns: 1,
				exportFiles: 1,
				jobs: 0,
				webhookDeliveries: 0,
			});
			expect(readdirSync(exportsDir)).toEqual(["new.csv"]);
			const keys = await app.db.kysely
				.selectFrom("_idempotency_keys")
				.select("key")
				.where("scope", "=", "test")
				.execute();
			expect(keys.map((k) => k.key)).toEqual(["live"]);
		});
	},
	{ BASALT_JOB_POLL_MS: "20" },
);
