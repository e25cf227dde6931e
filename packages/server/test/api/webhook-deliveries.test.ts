import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seal } from "../../src/tools/crypto/index.js";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	createCollection,
	createRecord,
	ISO_UTC,
	openRules,
	recordsUrl,
} from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";
import {
	type ReceivedHook,
	startWebhookReceiver,
	verifyBasaltSignature,
} from "../helpers/webhook-receiver.js";

// One real receiver for the file; each dialect's suite uses its own paths.
const receiver = await startWebhookReceiver();
afterAll(() => receiver.stop());

const ENV = {
	BASALT_SSRF_ALLOW: "127.0.0.1/32",
	BASALT_JOB_POLL_MS: "20",
	BASALT_JOB_BACKOFF_MS: "20",
	BASALT_WEBHOOK_TIMEOUT_MS: "300",
	BASALT_WEBHOOK_MAX_ATTEMPTS: "3",
};
const su = { token: "superuser" } as const;

/** Creates a webhook through the API; returns its id and secret. */
async function createHook(
	app: TestApp,
	path: string,
	events: string[],
): Promise<{ id: string; secret: string }> {
	const res = await app.request("POST", "/api/v1/webhooks", {
		...su,
		body: { url: receiver.url(path), events },
	});
	expect(res.status, res.text).toBe(201);
	return res.body;
}

/** A webhook's deliveries through the API, newest first. */
async function deliveriesOf(app: TestApp, id: string, query = "") {
	const res = await app.request(
		"GET",
		`/api/v1/webhooks/${id}/deliveries${query}`,
		su,
	);
	expect(res.status, res.text).toBe(200);
	return res.body;
}

/** Waits until the path has received `count` requests. */
async function hitsAt(path: string, count: number): Promise<ReceivedHook[]> {
	return eventually(
		async () => receiver.hits(path),
		(hits) => hits.length >= count,
	);
}

/**
 * Waits until the path has received `count` distinct deliveries; returns the first
 * request of each. Delivery is at least once: an attempt that outlasts the 300 ms
 * timeout on a loaded machine is sent again, under the same Basalt-Delivery id.
 */
async function deliveriesAt(
	path: string,
	count: number,
): Promise<ReceivedHook[]> {
	const firstOfEach = (hits: ReceivedHook[]) => {
		const first = new Map<unknown, ReceivedHook>();
		for (const hit of hits) {
			const id = hit.headers["basalt-delivery"];
			if (!first.has(id)) first.set(id, hit);
		}
		return [...first.values()];
	};
	return firstOfEach(
		await eventually(
			async () => receiver.hits(path),
			(hits) => firstOfEach(hits).length >= count,
		),
	);
}

describeEachDialect(
	"webhook deliveries",
	(t) => {
		// Paths of this dialect's suite.
		const p = (name: string) => `/${t().dialect}/${name}`;

		beforeAll(async () => {
			for (const name of ["whd_posts", "whd_notes"]) {
				await createCollection(t(), {
					name,
					fields: [{ name: "title", type: "text" }],
					rules: openRules,
				});
			}
			t().app.jobs.startWorker();
		});

		it("sends signed creates, updates and deletes to the hooks whose events match", async () => {
			const app = t();
			const all = await createHook(app, p("all"), ["*"]);
			const posts = await createHook(app, p("posts"), ["whd_posts.*"]);
			const creates = await createHook(app, p("creates"), ["whd_posts.create"]);
			const post = await createRecord(app, "whd_posts", { title: "one" }, {});
			const patched = await app.request(
				"PATCH",
				recordsUrl("whd_posts", {}, post.id),
				{ body: { title: "two" } },
			);
			expect(patched.status).toBe(200);
			const removed = await app.request(
				"DELETE",
				recordsUrl("whd_posts", {}, post.id),
			);
			expect(removed.status).toBe(204);
			await createRecord(app, "whd_notes", { title: "note" }, {});

			const allHits = await deliveriesAt(p("all"), 4);
			const postHits = await deliveriesAt(p("posts"), 3);
			const createHits = await deliveriesAt(p("creates"), 1);
			const events = (hits: ReceivedHook[]) =>
				hits.map((h) => h.headers["basalt-event"]).sort();
			expect(events(allHits)).toEqual([
				"whd_notes.create",
				"whd_posts.create",
				"whd_posts.delete",
				"whd_posts.update",
			]);
			expect(events(postHits)).toEqual([
				"whd_posts.create",
				"whd_posts.delete",
				"whd_posts.update",
			]);
			expect(events(createHits)).toEqual(["whd_posts.create"]);

			for (const [hook, hits] of [
				[all, allHits],
				[posts, postHits],
				[creates, createHits],
			] as const) {
				for (const hit of hits) {
					expect(hit.method).toBe("POST");
					expect(hit.headers["content-type"]).toBe("application/json");
					expect(hit.headers["user-agent"]).toBe("Basalt-Webhooks/1");
					const signature = hit.headers["basalt-signature"] as string;
					expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
					expect(verifyBasaltSignature(hook.secret, signature, hit.body)).toBe(
						true,
					);
					// Another hook's secret, or a changed body, does not verify.
					expect(
						verifyBasaltSignature(`${hook.secret}x`, signature, hit.body),
					).toBe(false);
					expect(
						verifyBasaltSignature(hook.secret, signature, `${hit.body} `),
					).toBe(false);
					const body = JSON.parse(hit.body);
					expect(body.id).toBe(hit.headers["basalt-delivery"]);
					expect(body.event).toBe(hit.headers["basalt-event"]);
					expect(body.created).toMatch(ISO_UTC);
				}
			}
			const update = JSON.parse(
				postHits.find((h) => h.headers["basalt-event"] === "whd_posts.update")
					?.body ?? "{}",
			);
			expect(update).toMatchObject({
				collection: "whd_posts",
				record: { id: post.id, title: "two" },
				previous: { id: post.id, title: "one" },
			});
			const created = JSON.parse(createHits[0]?.body ?? "{}");
			expect(created.record).toEqual(post);
			expect(created).not.toHaveProperty("previous");

			const logged = await eventually(
				() => deliveriesOf(app, posts.id),
				(page) =>
					page.items.every((d: { status: string }) => d.status === "succeeded"),
			);
			expect(logged.totalItems).toBe(3);
			expect(logged.items.map((d: { event: string }) => d.event)).toEqual([
				"whd_posts.delete",
				"whd_posts.update",
				"whd_posts.create",
			]);
			for (const delivery of logged.items) {
				expect(delivery).toMatchObject({
					webhookId: posts.id,
					status: "succeeded",
					attempts: 1,
					responseStatus: 200,
					error: null,
				});
				expect(delivery.latencyMs).toBeGreaterThanOrEqual(0);
				expect(delivery.delivered).toMatch(ISO_UTC);
				const job = await app.request(
					"GET",
					`/api/v1/jobs/${delivery.jobId}`,
					su,
				);
				expect(job.body).toMatchObject({
					queue: "webhooks",
					name: "basalt.webhook.deliver",
					status: "completed",
				});
			}
			const paged = await deliveriesOf(app, posts.id, "?perPage=2&page=2");
			expect(paged.items).toHaveLength(1);
			expect(paged.totalPages).toBe(2);
		});

		it("enqueues nothing for a batch that rolls back (transactional outbox)", async () => {
			const app = t();
			const { kysely } = app.app.db;
			const counts = async () => [
				Number(
					(
						await kysely
							.selectFrom("_webhook_deliveries")
							.select((eb) => eb.fn.countAll().as("n"))
							.executeTakeFirstOrThrow()
					).n,
				),
				Number(
					(
						await kysely
							.selectFrom("_jobs")
							.select((eb) => eb.fn.countAll().as("n"))
							.where("name", "=", "basalt.webhook.deliver")
							.executeTakeFirstOrThrow()
					).n,
				),
			];
			const hook = await createHook(app, p("outbox"), ["whd_posts.*"]);
			const before = await counts();
			const res = await app.request("POST", "/api/v1/batch", {
				...su,
				body: {
					requests: [
						{
							method: "POST",
							url: recordsUrl("whd_posts"),
							body: { title: "a" },
						},
						{
							method: "POST",
							url: recordsUrl("whd_posts"),
							body: { title: "b" },
						},
						{
							method: "PATCH",
							url: recordsUrl("whd_posts", {}, "missing"),
							body: { title: "c" },
						},
					],
				},
			});
			expect(res.status).toBe(404);
			expect(await counts()).toEqual(before);
			// A committed write afterwards is delivered: the worker is running.
			await createRecord(app, "whd_posts", { title: "after" }, {});
			const hits = await hitsAt(p("outbox"), 1);
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(receiver.hits(p("outbox"))).toHaveLength(1);
			expect(JSON.parse(hits[0]?.body ?? "{}").record.title).toBe("after");
			expect((await deliveriesOf(app, hook.id)).totalItems).toBe(1);
		});

		it("retries non-2xx answers with backoff until one succeeds", async () => {
			const app = t();
			receiver.respond(p("flaky"), (n, res) => {
				res.statusCode = n < 2 ? 500 : 200;
				res.end(n < 2 ? "database is down" : "ok");
			});
			const hook = await createHook(app, p("flaky"), ["whd_notes.create"]);
			await createRecord(app, "whd_notes", { title: "retry me" }, {});
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) => body.items[0]?.status === "succeeded",
			);
			expect(page.items).toHaveLength(1);
			expect(page.items[0]).toMatchObject({
				status: "succeeded",
				attempts: 3,
				responseStatus: 200,
				error: null,
			});
			const hits = receiver.hits(p("flaky"));
			expect(hits).toHaveLength(3);
			expect(new Set(hits.map((h) => h.headers["basalt-delivery"])).size).toBe(
				1,
			);
			for (const hit of hits)
				expect(
					verifyBasaltSignature(
						hook.secret,
						hit.headers["basalt-signature"] as string,
						hit.body,
					),
				).toBe(true);
		});

		it("fails a delivery after its last attempt, keeping the status and at most 1 KiB of the body", async () => {
			const app = t();
			receiver.respond(p("teapot"), (_n, res) => {
				res.statusCode = 418;
				res.end("x".repeat(5000));
			});
			const hook = await createHook(app, p("teapot"), ["whd_notes.create"]);
			await createRecord(app, "whd_notes", { title: "tea" }, {});
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) => body.items[0]?.status === "failed",
			);
			expect(page.items[0]).toMatchObject({
				status: "failed",
				attempts: 3,
				responseStatus: 418,
				error: `HTTP 418: ${"x".repeat(1024)}`,
			});
			// The handler records the failed delivery, then throws; the queue marks the
			// job failed after that, so the job may still be running for a moment.
			const job = await eventually(
				() => app.request("GET", `/api/v1/jobs/${page.items[0].jobId}`, su),
				(res) => res.body.status === "failed",
			);
			expect(job.body).toMatchObject({ status: "failed", attempts: 3 });
			expect(receiver.hits(p("teapot"))).toHaveLength(3);
		});

		it("times out a receiver that hangs and retries it", async () => {
			const app = t();
			receiver.respond(p("slow"), (n, res) => {
				if (n === 0) setTimeout(() => res.end("too late"), 1500);
				else res.end("ok");
			});
			const hook = await createHook(app, p("slow"), ["whd_notes.create"]);
			await createRecord(app, "whd_notes", { title: "slow" }, {});
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) => body.items[0]?.status === "succeeded",
			);
			expect(page.items[0]).toMatchObject({ attempts: 2, responseStatus: 200 });
			const job = await app.request(
				"GET",
				`/api/v1/jobs/${page.items[0].jobId}`,
				su,
			);
			expect(job.body.attempts).toBe(2);
			expect(job.body.lastError).toBe("no response within 300 ms");
			expect(receiver.hits(p("slow"))).toHaveLength(2);
		});

		it("never follows a redirect", async () => {
			const app = t();
			receiver.respond(p("moved"), (_n, res) => {
				res.statusCode = 302;
				res.setHeader("location", receiver.url(p("target")));
				res.end();
			});
			const hook = await createHook(app, p("moved"), ["whd_notes.create"]);
			await createRecord(app, "whd_notes", { title: "moved" }, {});
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) => body.items[0]?.status === "failed",
			);
			expect(page.items[0]).toMatchObject({
				status: "failed",
				attempts: 3,
				responseStatus: 302,
				error: "HTTP 302 (redirects are not followed)",
				delivered: null,
			});
			expect(receiver.hits(p("moved"))).toHaveLength(3);
			expect(receiver.hits(p("target"))).toHaveLength(0);
			const webhook = await app.request(
				"GET",
				`/api/v1/webhooks/${hook.id}`,
				su,
			);
			expect(webhook.body).toMatchObject({
				active: true,
				consecutiveFailures: 1,
			});
		});

		it("redelivers a delivery as a new, newly signed delivery of the same payload", async () => {
			const app = t();
			const hook = await createHook(app, p("again"), ["whd_posts.create"]);
			await createRecord(app, "whd_posts", { title: "again" }, {});
			const [original] = await hitsAt(p("again"), 1);
			const first = (await deliveriesOf(app, hook.id)).items[0];
			const res = await app.request(
				"POST",
				`/api/v1/webhooks/${hook.id}/deliveries/${first.id}/redeliver`,
				su,
			);
			expect(res.status, res.text).toBe(202);
			expect(res.body).toMatchObject({
				webhookId: hook.id,
				event: "whd_posts.create",
				status: "pending",
				attempts: 0,
				payload: first.payload,
			});
			expect(res.body.id).not.toBe(first.id);
			const hits = await hitsAt(p("again"), 2);
			const again = hits[1] as ReceivedHook;
			expect(again.headers["basalt-delivery"]).toBe(res.body.id);
			expect(again.headers["basalt-signature"]).not.toBe(
				original?.headers["basalt-signature"],
			);
			expect(
				verifyBasaltSignature(
					hook.secret,
					again.headers["basalt-signature"] as string,
					again.body,
				),
			).toBe(true);
			const { id: _new, ...resent } = JSON.parse(again.body);
			const { id: _old, ...sent } = JSON.parse(original?.body ?? "{}");
			expect(resent).toEqual(sent);
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) =>
					body.items.every((d: { status: string }) => d.status === "succeeded"),
			);
			expect(page.items.map((d: { id: string }) => d.id)).toEqual([
				res.body.id,
				first.id,
			]);
		});

		it("fails a delivery at once when the secret was sealed with another master key", async () => {
			const app = t();
			const hook = await createHook(app, p("wrong-key"), ["whd_notes.delete"]);
			await app.app.db.kysely
				.updateTable("_webhooks")
				.set({ secret: seal(randomBytes(32), hook.secret, "elsewhere") })
				.where("id", "=", hook.id)
				.execute();
			const note = await createRecord(app, "whd_notes", { title: "x" }, {});
			await app.request("DELETE", recordsUrl("whd_notes", {}, note.id));
			const page = await eventually(
				() => deliveriesOf(app, hook.id),
				(body) => body.items[0]?.status === "failed",
			);
			expect(page.items[0]).toMatchObject({
				attempts: 0,
				error: "the webhook's secret cannot be decrypted with this master key",
			});
			const job = await app.request(
				"GET",
				`/api/v1/jobs/${page.items[0].jobId}`,
				su,
			);
			expect(job.body).toMatchObject({ status: "failed", attempts: 1 });
			expect(receiver.hits(p("wrong-key"))).toHaveLength(0);
		});

		it("signs with a new secret from the next delivery on", async () => {
			const app = t();
			const hook = await createHook(app, p("rotated"), ["whd_posts.create"]);
			const secret = "rotated-secret-0123456789abcdef";
			await app.request("PATCH", `/api/v1/webhooks/${hook.id}`, {
				...su,
				body: { secret },
			});
			await createRecord(app, "whd_posts", { title: "rotated" }, {});
			const [hit] = await hitsAt(p("rotated"), 1);
			const signature = hit?.headers["basalt-signature"] as string;
			expect(verifyBasaltSignature(secret, signature, hit?.body ?? "")).toBe(
				true,
			);
			expect(
				verifyBasaltSignature(hook.secret, signature, hit?.body ?? ""),
			).toBe(false);
		});
	},
	ENV,
);
