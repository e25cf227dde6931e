import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import {
	findRabbitmqServer,
	type RabbitmqServer,
	startRabbitmq,
} from "../helpers/rabbitmq-server.js";
import {
	buildServer,
	packageRoot,
	type ServerProcess,
	startServerProcess,
} from "../helpers/spawn-server.js";
import {
	startWebhookReceiver,
	type WebhookReceiver,
} from "../helpers/webhook-receiver.js";

const SUPERUSER = {
	identity: "rabbit@example.com",
	password: "crash test password",
};
const rabbitBin = findRabbitmqServer();

// The rabbitmq driver with real processes (docs/jobs.md#rabbitmq): `basalt serve`
// takes writes whose webhooks are jobs, `basalt worker` processes run them, and
// workers and RabbitMQ itself die under them.
(rabbitBin ? describe : describe.skip)(
	"the rabbitmq queue driver when a worker or RabbitMQ dies",
	() => {
		let rabbit: RabbitmqServer;
		let server: ServerProcess;
		let receiver: WebhookReceiver;
		let token = "";
		const workers: ChildProcess[] = [];

		const call = async (method: string, url: string, body?: unknown) => {
			const response = await fetch(`${server.url}${url}`, {
				method,
				headers: {
					"content-type": "application/json",
					...(token ? { authorization: `Bearer ${token}` } : {}),
				},
				...(body === undefined ? {} : { body: JSON.stringify(body) }),
			});
			return {
				status: response.status,
				body: (await response.json()) as Record<string, unknown>,
			};
		};
		const startWorker = () => {
			const worker = spawn(
				process.execPath,
				[path.join(packageRoot, "dist/cli/main.js"), "worker"],
				{ env: { ...process.env, ...server.env }, stdio: "ignore" },
			);
			workers.push(worker);
			return worker;
		};
		const hookTo = async (collection: string, receiverPath: string) => {
			const hook = await call("POST", "/api/v1/webhooks", {
				url: receiver.url(receiverPath),
				events: [`${collection}.create`],
			});
			expect(hook.status).toBe(201);
		};
		const recordIdsAt = (receiverPath: string) =>
			receiver
				.hits(receiverPath)
				.map((hit) => JSON.parse(hit.body).record.id as string);

		beforeAll(async () => {
			buildServer();
			rabbit = await startRabbitmq(rabbitBin as string);
			receiver = await startWebhookReceiver();
			server = await startServerProcess({
				BASALT_QUEUE: "rabbitmq",
				AMQP_URL: rabbit.url,
				// Jobs run only in the worker processes this test starts and kills.
				BASALT_SERVE_WORKERS: "false",
				BASALT_JOB_POLL_MS: "50",
				BASALT_JOB_LEASE_MS: "2000",
				BASALT_SSRF_ALLOW: "127.0.0.1/32",
				BASALT_SUPERUSER_EMAIL: SUPERUSER.identity,
				BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
			});
			token = (
				await call("POST", "/api/v1/superusers/auth/password", SUPERUSER)
			).body.token as string;
			for (const name of ["parcels", "orders"]) {
				const created = await call("POST", "/api/v1/collections", {
					name,
					fields: [{ name: "code", type: "text" }],
					rules: { create: "" },
				});
				expect(created.status).toBe(201);
			}
		}, 120_000);

		afterAll(async () => {
			for (const worker of workers) worker.kill("SIGKILL");
			await server?.stop();
			await receiver?.stop();
			await rabbit?.stop();
		});

		it("runs a job again after its worker was killed in the middle of it", async () => {
			await hookTo("parcels", "/held");
			// The first delivery never gets an answer: its worker is busy with it when killed.
			receiver.respond("/held", (n, res) => {
				if (n > 0) res.end("ok");
			});
			const first = startWorker();
			const parcel = await call("POST", "/api/v1/collections/parcels/records", {
				code: "P-1",
			});
			expect(parcel.status).toBe(201);
			await eventually(
				async () => receiver.hits("/held").length,
				(n) => n === 1,
				30_000,
			);
			first.kill("SIGKILL");
			startWorker();
			// After the dead worker's lease (2 s), RabbitMQ gets a new message for the job.
			expect(
				await eventually(
					async () => recordIdsAt("/held"),
					(ids) => ids.length === 2,
					30_000,
				),
			).toEqual([parcel.body.id, parcel.body.id]);
			const jobs = await eventually(
				async () =>
					(await call("GET", "/api/v1/jobs?queue=webhooks")).body.items as {
						status: string;
						attempts: number;
					}[],
				(items) => items.some((job) => job.status === "completed"),
			);
			expect(jobs).toEqual([
				expect.objectContaining({ status: "completed", attempts: 2 }),
			]);
		}, 90_000);

		it("loses no acknowledged write's job while RabbitMQ is killed and restarted, and the worker reconnects by itself", async () => {
			await hookTo("orders", "/steady");
			if (workers.every((w) => w.exitCode !== null || w.killed)) startWorker();
			const acknowledged: string[] = [];
			let writing = true;
			const writes = (async () => {
				for (let n = 0; writing; n += 1) {
					const order = await call(
						"POST",
						"/api/v1/collections/orders/records",
						{ code: `O-${n}` },
					);
					expect(order.status).toBe(201);
					acknowledged.push(order.body.id as string);
					await sleep(20);
				}
			})();
			await sleep(1000);
			await rabbit.kill("SIGKILL");
			const atKill = acknowledged.length;
			// The node stays ready: it takes writes and keeps their jobs for later.
			const health = await eventually(
				async () => {
					const response = await fetch(`${server.url}/health/ready`);
					const body = (await response.json()) as {
						degraded?: Record<string, string>;
					};
					return { status: response.status, body };
				},
				(answer) => answer.body.degraded?.queue !== undefined,
				5000,
			);
			expect(health.status).toBe(200);
			expect(health.body.degraded?.queue).toContain("RabbitMQ does not answer");
			await sleep(1000);
			const atRestart = acknowledged.length;
			await rabbit.start();
			await sleep(1000);
			writing = false;
			await writes;
			await eventually(
				async () =>
					(
						(await (await fetch(`${server.url}/health/ready`)).json()) as {
							degraded?: unknown;
						}
					).degraded,
				(degraded) => degraded === undefined,
				10_000,
			);
			// Writes went on while RabbitMQ was away, and after it came back.
			expect(atKill).toBeGreaterThan(0);
			expect(atRestart).toBeGreaterThan(atKill);
			expect(acknowledged.length).toBeGreaterThan(atRestart);
			const delivered = await eventually(
				async () => new Set(recordIdsAt("/steady")),
				(ids) => acknowledged.every((id) => ids.has(id)),
				60_000,
			);
			expect(acknowledged.filter((id) => !delivered.has(id))).toEqual([]);
			// Written while RabbitMQ was down, sent after it came back: the same worker ran them.
			expect(
				workers.filter((w) => w.exitCode === null && !w.killed),
			).toHaveLength(1);
		}, 120_000);
	},
);
