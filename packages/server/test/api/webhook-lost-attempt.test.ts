import { afterAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { startWebhookReceiver } from "../helpers/webhook-receiver.js";

const receiver = await startWebhookReceiver();
afterAll(() => receiver.stop());

// A delivery whose last attempt died with its worker is closed, not left pending:
// the queue fails the job without the handler, and tells the webhook module.
describeEachDialect(
	"webhook delivery whose last attempt died",
	(t) => {
		it("is marked failed and counts against the webhook", async () => {
			const { app, request } = t();
			await request("POST", "/api/v1/collections", {
				token: "superuser",
				body: {
					name: "events",
					fields: [{ name: "n", type: "number" }],
					rules: { create: "" },
				},
			});
			const hook = await request("POST", "/api/v1/webhooks", {
				token: "superuser",
				body: { url: receiver.url("/lost"), events: ["events.create"] },
			});
			expect(hook.status).toBe(201);
			await request("POST", "/api/v1/collections/events/records", {
				body: { n: 1 },
			});
			const [delivery] = (
				await request("GET", `/api/v1/webhooks/${hook.body.id}/deliveries`, {
					token: "superuser",
				})
			).body.items;
			expect(delivery.status).toBe("pending");
			// Its only attempt was taken by a worker that died: the lease ran out.
			await app.db.kysely
				.updateTable("_jobs")
				.set({
					status: "running",
					attempts: 1,
					locked_by: "dead-worker",
					locked_until: new Date(Date.now() - 1000).toISOString(),
				})
				.where("id", "=", delivery.jobId)
				.execute();
			app.jobs.startWorker();
			const closed = await eventually(
				async () =>
					(
						await request(
							"GET",
							`/api/v1/webhooks/${hook.body.id}/deliveries`,
							{ token: "superuser" },
						)
					).body.items[0],
				(d) => d.status !== "pending",
			);
			expect(closed).toMatchObject({ status: "failed", attempts: 1 });
			expect(closed.error).toContain("lease expired");
			expect(receiver.hits("/lost")).toHaveLength(0);
			expect(
				(
					await request("GET", `/api/v1/webhooks/${hook.body.id}`, {
						token: "superuser",
					})
				).body.consecutiveFailures,
			).toBe(1);
		});
	},
	{
		BASALT_SSRF_ALLOW: "127.0.0.1/32",
		BASALT_JOB_POLL_MS: "20",
		BASALT_WEBHOOK_MAX_ATTEMPTS: "1",
	},
);
