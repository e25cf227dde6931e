import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	createCollection,
	createRecord,
	openRules,
} from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";
import { startWebhookReceiver } from "../helpers/webhook-receiver.js";

const receiver = await startWebhookReceiver();
afterAll(() => receiver.stop());

const su = { token: "superuser" } as const;

describeEachDialect(
	"webhook pausing",
	(t) => {
		const path = () => `/${t().dialect}/down`;
		let status = 503;
		let hookId = "";

		const webhook = async (app: TestApp) =>
			(await app.request("GET", `/api/v1/webhooks/${hookId}`, su)).body;
		const deliveries = async (app: TestApp) =>
			(
				await app.request(
					"GET",
					`/api/v1/webhooks/${hookId}/deliveries?perPage=100`,
					su,
				)
			).body;
		/** Writes a record and waits until its delivery has ended as `expected`. */
		const deliver = async (app: TestApp, expected: string) => {
			const before = (await deliveries(app)).totalItems;
			await createRecord(app, "whp_posts", { title: expected }, {});
			const page = await eventually(
				() => deliveries(app),
				(body) =>
					body.totalItems === before + 1 && body.items[0]?.status !== "pending",
			);
			expect(page.items[0].status).toBe(expected);
			// The job ends after the handler's bookkeeping (and any pause) is done.
			await eventually(
				async () =>
					(await app.request("GET", `/api/v1/jobs/${page.items[0].jobId}`, su))
						.body,
				(job) => job.status === "completed" || job.status === "failed",
			);
		};

		beforeAll(async () => {
			const app = t();
			await createCollection(app, {
				name: "whp_posts",
				fields: [{ name: "title", type: "text" }],
				rules: openRules,
			});
			receiver.respond(path(), (_n, res) => {
				res.statusCode = status;
				res.end(status === 200 ? "ok" : "maintenance");
			});
			const res = await app.request("POST", "/api/v1/webhooks", {
				...su,
				body: { url: receiver.url(path()), events: ["whp_posts.create"] },
			});
			hookId = res.body.id;
			app.app.jobs.startWorker();
		});

		it("counts failed deliveries and resets the count on a success", async () => {
			const app = t();
			status = 503;
			await deliver(app, "failed");
			expect(await webhook(app)).toMatchObject({
				active: true,
				consecutiveFailures: 1,
			});
			status = 200;
			await deliver(app, "succeeded");
			expect((await webhook(app)).consecutiveFailures).toBe(0);
		});

		it("pauses after BASALT_WEBHOOK_PAUSE_AFTER failures in a row; then writes create no deliveries", async () => {
			const app = t();
			status = 503;
			await deliver(app, "failed");
			expect((await webhook(app)).active).toBe(true);
			await deliver(app, "failed");
			const paused = await webhook(app);
			expect(paused).toMatchObject({ active: false, consecutiveFailures: 2 });
			expect(paused.pausedReason).toBe(
				"paused after 2 consecutive failed deliveries; the last: HTTP 503: maintenance",
			);
			const before = await deliveries(app);
			const hits = receiver.hits(path()).length;
			await createRecord(app, "whp_posts", { title: "while paused" }, {});
			await new Promise((resolve) => setTimeout(resolve, 150));
			expect((await deliveries(app)).totalItems).toBe(before.totalItems);
			expect(receiver.hits(path())).toHaveLength(hits);
		});

		it("fails a redelivery to a paused webhook without sending it", async () => {
			const app = t();
			const hits = receiver.hits(path()).length;
			const [latest] = (await deliveries(app)).items;
			const res = await app.request(
				"POST",
				`/api/v1/webhooks/${hookId}/deliveries/${latest.id}/redeliver`,
				su,
			);
			expect(res.status).toBe(202);
			const page = await eventually(
				() => deliveries(app),
				(body) => body.items[0]?.status === "failed",
			);
			expect(page.items[0]).toMatchObject({
				id: res.body.id,
				attempts: 0,
				error: "the webhook is paused",
			});
			expect(receiver.hits(path())).toHaveLength(hits);
		});

		it("resumes on PATCH active: true with a fresh count", async () => {
			const app = t();
			const res = await app.request("PATCH", `/api/v1/webhooks/${hookId}`, {
				...su,
				body: { active: true },
			});
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({
				active: true,
				consecutiveFailures: 0,
				pausedReason: null,
			});
			status = 200;
			await deliver(app, "succeeded");
		});

		it("deletes a webhook's deliveries with it", async () => {
			const app = t();
			const count = async () =>
				(
					await app.app.db.kysely
						.selectFrom("_webhook_deliveries")
						.select("id")
						.where("webhook_id", "=", hookId)
						.execute()
				).length;
			expect(await count()).toBeGreaterThan(0);
			const res = await app.request("DELETE", `/api/v1/webhooks/${hookId}`, su);
			expect(res.status).toBe(204);
			expect(await count()).toBe(0);
			const hits = receiver.hits(path()).length;
			await createRecord(app, "whp_posts", { title: "gone" }, {});
			await new Promise((resolve) => setTimeout(resolve, 150));
			expect(receiver.hits(path())).toHaveLength(hits);
		});
	},
	{
		BASALT_SSRF_ALLOW: "127.0.0.1/32",
		BASALT_JOB_POLL_MS: "20",
		BASALT_JOB_BACKOFF_MS: "20",
		BASALT_WEBHOOK_MAX_ATTEMPTS: "1",
		BASALT_WEBHOOK_PAUSE_AFTER: "2",
	},
);
