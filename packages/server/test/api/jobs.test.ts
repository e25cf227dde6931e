import { beforeAll, expect, it } from "vitest";
import { PermanentJobError } from "../../src/core/jobs/index.js";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect(
	"jobs API",
	(t) => {
		beforeAll(() => {
			const { jobs } = t().app;
			jobs.register("test.echo", {
				handler: async ({ job }) => ({ echoed: job.payload }),
			});
			jobs.register("test.fail", {
				handler: async () => {
					throw new PermanentJobError("cannot do this");
				},
			});
			jobs.startWorker();
		});

		const job = (id: string) =>
			t().request("GET", `/api/v1/jobs/${id}`, { token: "superuser" });

		it("shows a finished job with its result, attempts and timestamps", async () => {
			const queued = await t().app.jobs.enqueue({
				name: "test.echo",
				payload: { hello: "world" },
			});
			const res = await eventually(
				() => job(queued.id),
				(r) => r.body?.status === "completed",
			);
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({
				id: queued.id,
				queue: "default",
				name: "test.echo",
				status: "completed",
				attempts: 1,
				result: { echoed: { hello: "world" } },
				lastError: null,
			});
			expect(res.body.finished).toMatch(/Z$/);
		});

		it("lists jobs by queue and status with paging", async () => {
			const failed = await t().app.jobs.enqueue({
				name: "test.fail",
				payload: null,
				options: { queue: "mail" },
			});
			await eventually(
				() => job(failed.id),
				(r) => r.body?.status === "failed",
			);
			const res = await t().request(
				"GET",
				"/api/v1/jobs?queue=mail&status=failed&perPage=5",
				{ token: "superuser" },
			);
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ page: 1, perPage: 5 });
			expect(res.body.items.map((j: { id: string }) => j.id)).toContain(
				failed.id,
			);
			expect(
				res.body.items.every(
					(j: { queue: string; status: string }) =>
						j.queue === "mail" && j.status === "failed",
				),
			).toBe(true);
			expect(res.body.totalItems).toBeGreaterThanOrEqual(1);
		});

		it("retries a failed job and refuses to retry or cancel in other states", async () => {
			const failed = await t().app.jobs.enqueue({
				name: "test.fail",
				payload: null,
			});
			const first = await eventually(
				() => job(failed.id),
				(r) => r.body?.status === "failed",
			);
			const cancel = await t().request("DELETE", `/api/v1/jobs/${failed.id}`, {
				token: "superuser",
			});
			expect(cancel.status).toBe(409);
			expect(cancel.body.code).toBe("JOB_NOT_CANCELLABLE");
			const retry = await t().request(
				"POST",
				`/api/v1/jobs/${failed.id}/retry`,
				{ token: "superuser" },
			);
			expect(retry.status).toBe(200);
			// A worker may claim (and even fail) the job between the retry and
			// its answer; either way the answer is the job after the retry.
			const rerun = (body: { status: string; finished: string | null }) =>
				body.status !== "failed" || body.finished !== first.body.finished;
			expect(rerun(retry.body)).toBe(true);
			const again = await eventually(
				() => job(failed.id),
				(r) => r.body?.status === "failed" && rerun(r.body),
			);
			expect(again.body.lastError).toBe("cannot do this");
			// Attempts start again from zero rather than adding up.
			expect(again.body.attempts).toBe(first.body.attempts);
			const done = await t().app.jobs.enqueue({
				name: "test.echo",
				payload: 1,
			});
			await eventually(
				() => job(done.id),
				(r) => r.body?.status === "completed",
			);
			const retryDone = await t().request(
				"POST",
				`/api/v1/jobs/${done.id}/retry`,
				{ token: "superuser" },
			);
			expect(retryDone.status).toBe(409);
			expect(retryDone.body.code).toBe("JOB_NOT_RETRYABLE");
		});

		it("cancels a waiting job so it never runs", async () => {
			const later = await t().app.jobs.enqueue({
				name: "test.echo",
				payload: "later",
				options: { delayMs: 60_000 },
			});
			const res = await t().request("DELETE", `/api/v1/jobs/${later.id}`, {
				token: "superuser",
			});
			expect(res.status).toBe(200);
			expect(res.body.status).toBe("cancelled");
			expect((await job(later.id)).body.status).toBe("cancelled");
		});

		it("answers bad input with 4xx problems", async () => {
			const cases: [string, string, number, string][] = [
				["GET", "/api/v1/jobs/no-such-job", 404, "JOB_NOT_FOUND"],
				["POST", "/api/v1/jobs/no-such-job/retry", 404, "JOB_NOT_FOUND"],
				["DELETE", "/api/v1/jobs/no-such-job", 404, "JOB_NOT_FOUND"],
				["GET", "/api/v1/jobs?queue=nope", 404, "QUEUE_NOT_FOUND"],
				["GET", "/api/v1/jobs?status=sleeping", 400, "INVALID_QUERY"],
				["GET", "/api/v1/jobs?perPage=501", 400, "INVALID_QUERY"],
			];
			for (const [method, url, status, code] of cases) {
				const res = await t().request(method, url, { token: "superuser" });
				expect(res.status, url).toBe(status);
				expect(res.body.code, url).toBe(code);
			}
			const guest = await t().request("GET", "/api/v1/jobs");
			expect(guest.status).toBe(401);
		});

		it("reports the worker in readiness", async () => {
			const ready = await t().request("GET", "/health/ready");
			expect(ready.status).toBe(200);
			expect(t().app.jobs.isWorkerHealthy(Date.now() + 3_600_000)).toBe(false);
		});
	},
	{ BASALT_JOB_POLL_MS: "20" },
);
