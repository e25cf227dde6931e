import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { dialects } from "../helpers/each-dialect.js";
import {
	findRabbitmqServer,
	startRabbitmq,
} from "../helpers/rabbitmq-server.js";
import { findRedisServer, startRedis } from "../helpers/redis-server.js";
import { startSmtpTestServer } from "../helpers/smtp-test-server.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";
import {
	startWebhookReceiver,
	verifyBasaltSignature,
} from "../helpers/webhook-receiver.js";

// Mail, webhooks, imports and exports are built on the queue contract alone; this
// runs each of them end to end on the BullMQ and RabbitMQ drivers too, on both
// databases (the db driver runs them in their own suites).
interface Broker {
	driver: "bullmq" | "rabbitmq";
	/** The server's binary, when installed. */
	bin: string | undefined;
	/** Starts a broker and answers the environment that points Basalt at it. */
	start(bin: string): Promise<{
		env: Record<string, string>;
		stop(): Promise<void>;
	}>;
}
const brokers: Broker[] = [
	{
		driver: "bullmq",
		bin: findRedisServer(),
		async start(bin) {
			const redis = await startRedis(bin);
			return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
		},
	},
	{
		driver: "rabbitmq",
		bin: findRabbitmqServer(),
		async start(bin) {
			const rabbit = await startRabbitmq(bin);
			return { env: { AMQP_URL: rabbit.url }, stop: () => rabbit.stop() };
		},
	},
];
const smtp = await startSmtpTestServer();
const receiver = await startWebhookReceiver();
afterAll(async () => {
	await smtp.stop();
	await receiver.stop();
});

for (const broker of brokers)
	for (const dialect of dialects) {
		const postgresUrl = inject("postgresUrl");
		const run =
			broker.bin && (dialect === "sqlite" || postgresUrl)
				? describe
				: describe.skip;
		run(`jobs on the ${broker.driver} driver [${dialect}]`, () => {
			let server: Awaited<ReturnType<Broker["start"]>> | undefined;
			let t: TestApp;
			beforeAll(async () => {
				server = await broker.start(broker.bin as string);
				t = await createTestApp(dialect, postgresUrl, {
					BASALT_QUEUE: broker.driver,
					...server.env,
					BASALT_JOB_POLL_MS: "20",
					BASALT_SMTP_URL: smtp.url(),
					BASALT_MAIL_FROM: "Tests <tests@basalt.example>",
					BASALT_SSRF_ALLOW: "127.0.0.1/32",
				});
				expect(t.app.jobs.driver.name).toBe(broker.driver);
				const created = await t.request("POST", "/api/v1/collections", {
					token: "superuser",
					body: {
						name: "parcels",
						fields: [{ name: "code", type: "text" }],
						rules: { list: "", view: "", create: "" },
					},
				});
				expect(created.status).toBe(201);
				t.app.startBackgroundWork();
			}, 60_000);
			afterAll(async () => {
				await t?.close();
				await server?.stop();
			});
			const finished = (id: string) =>
				eventually(
					() => t.app.jobs.get(id),
					(j) => ["completed", "failed"].includes(j.status),
				);

			it("sends mail", async () => {
				const job = await t.app.mail.send({
					to: `${broker.driver}.${dialect}@example.com`,
					subject: `via ${broker.driver}`,
					text: "hi",
				});
				expect((await finished(job.id)).status).toBe("completed");
				expect(
					smtp.messages.some((m) =>
						m.to.includes(`${broker.driver}.${dialect}@example.com`),
					),
				).toBe(true);
			});

			it("delivers a signed webhook enqueued with the write", async () => {
				const path = `/${broker.driver}-${dialect}`;
				const hook = await t.request("POST", "/api/v1/webhooks", {
					token: "superuser",
					body: { url: receiver.url(path), events: ["parcels.create"] },
				});
				expect(hook.status).toBe(201);
				const record = await t.request(
					"POST",
					"/api/v1/collections/parcels/records",
					{ body: { code: "P-1" } },
				);
				expect(record.status).toBe(201);
				const hits = await eventually(
					async () => receiver.hits(path),
					(h) => h.length > 0,
				);
				const hit = hits[0] as {
					body: string;
					headers: Record<string, string | string[] | undefined>;
				};
				expect(
					verifyBasaltSignature(
						hook.body.secret,
						String(hit.headers["basalt-signature"]),
						hit.body,
					),
				).toBe(true);
				expect(JSON.parse(hit.body).record.id).toBe(record.body.id);
			});

			it("imports and exports", async () => {
				const upload = await t.request(
					"POST",
					"/api/v1/collections/parcels/import",
					{
						token: "superuser",
						body: "code\nP-2\nP-3\n",
						headers: { "content-type": "text/csv" },
					},
				);
				expect(upload.status).toBe(202);
				expect((await finished(upload.body.id)).result).toMatchObject({
					rowsImported: 2,
					rowsFailed: 0,
				});
				const exported = await t.request(
					"POST",
					"/api/v1/collections/parcels/export?format=ndjson&sort=code",
					{ token: "superuser" },
				);
				const done = await finished(exported.body.id);
				const file = await t.request(
					"GET",
					(done.result as { download: string }).download,
					{ token: "superuser" },
				);
				const codes = file.text
					.trim()
					.split("\n")
					.map((l) => JSON.parse(l).code);
				expect(codes).toEqual(["P-1", "P-2", "P-3"]);
			});
		});
	}
