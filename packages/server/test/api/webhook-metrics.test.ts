import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	createCollection,
	createRecord,
	openRules,
} from "../helpers/records-api.js";
import { type Scrape, scrapeMetrics } from "../helpers/scrape-metrics.js";
import { startWebhookReceiver } from "../helpers/webhook-receiver.js";

const receiver = await startWebhookReceiver();
afterAll(() => receiver.stop());

const su = { token: "superuser" } as const;

describeEachDialect(
	"webhook metrics",
	(t) => {
		const path = () => `/${t().dialect}/metrics-hook`;
		let hookId = "";
		/** How the receiver answers: the first attempt of each delivery fails. */
		let secondAttempt = 200;

		beforeAll(async () => {
			await createCollection(t(), {
				name: "whm_posts",
				fields: [{ name: "title", type: "text" }],
				rules: openRules,
			});
			receiver.respond(path(), (n, res) => {
				res.statusCode = n % 2 === 0 ? 503 : secondAttempt;
				res.end();
			});
			const res = await t().request("POST", "/api/v1/webhooks", {
				...su,
				body: { url: receiver.url(path()), events: ["whm_posts.create"] },
			});
			expect(res.status, res.text).toBe(201);
			hookId = res.body.id;
			t().app.jobs.startWorker();
		});

		const deliveries = async () =>
			(
				await t().request(
					"GET",
					`/api/v1/webhooks/${hookId}/deliveries?perPage=100`,
					su,
				)
			).body;
		/** Writes a record and waits until its delivery job has ended. */
		const deliver = async (title: string) => {
			const before = (await deliveries()).totalItems;
			await createRecord(t(), "whm_posts", { title }, {});
			const page = await eventually(
				deliveries,
				(body) =>
					body.totalItems === before + 1 && body.items[0]?.status !== "pending",
			);
			// The job ends after the handler's bookkeeping (and the pause) is done.
			await eventually(
				async () =>
					(await t().request("GET", `/api/v1/jobs/${page.items[0].jobId}`, su))
						.body,
				(job) => job.status === "completed" || job.status === "failed",
			);
			return page.items[0].status as string;
		};

		it("counts delivery attempts by outcome: success, retry, failure, paused", async () => {
			const before = await scrapeMetrics(t());
			secondAttempt = 200;
			expect(await deliver("retried then sent")).toBe("succeeded");
			secondAttempt = 503;
			expect(await deliver("failed twice")).toBe("failed");
			const after = await scrapeMetrics(t());
			const moved = (outcome: string) =>
				((s: Scrape) =>
					s.value("basalt_webhook_deliveries_total", { outcome }))(after) -
				before.value("basalt_webhook_deliveries_total", { outcome });
			expect(moved("success")).toBe(1);
			expect(moved("retry")).toBe(2);
			expect(moved("failure")).toBe(1);
			expect(moved("paused")).toBe(1);
			expect(
				after.value("basalt_jobs_enqueued_total", { queue: "webhooks" }) -
					before.value("basalt_jobs_enqueued_total", { queue: "webhooks" }),
			).toBe(2);
		});
	},
	{
		BASALT_SSRF_ALLOW: "127.0.0.1/32",
		BASALT_JOB_POLL_MS: "20",
		BASALT_JOB_BACKOFF_MS: "1",
		BASALT_WEBHOOK_MAX_ATTEMPTS: "2",
		BASALT_WEBHOOK_PAUSE_AFTER: "1",
	},
);
