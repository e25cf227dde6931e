import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
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
	identity: "hooks@example.com",
	password: "crash test password",
};

// A server killed between a record write and its webhook delivery still delivers
// (docs/webhooks.md). The delivery is a job committed with the write, so it outlives
// the process that wrote it.
describe("a server killed after a write, before its webhook went out", () => {
	let server: ServerProcess;
	let receiver: WebhookReceiver;
	let worker: ChildProcess | undefined;

	beforeAll(async () => {
		buildServer();
		receiver = await startWebhookReceiver();
		server = await startServerProcess({
			// No worker in the server: the delivery can only wait in the queue.
			BASALT_SERVE_WORKERS: "false",
			BASALT_JOB_POLL_MS: "20",
			BASALT_SSRF_ALLOW: "127.0.0.1/32",
			BASALT_SUPERUSER_EMAIL: SUPERUSER.identity,
			BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
		});
	}, 120_000);

	afterAll(async () => {
		worker?.kill("SIGKILL");
		await server?.stop();
		await receiver?.stop();
	});

	it("delivers once a worker starts", async () => {
		const call = async (
			method: string,
			url: string,
			body: unknown,
			token?: string,
		) => {
			const response = await fetch(`${server.url}${url}`, {
				method,
				headers: {
					"content-type": "application/json",
					...(token ? { authorization: `Bearer ${token}` } : {}),
				},
				body: JSON.stringify(body),
			});
			return {
				status: response.status,
				body: (await response.json()) as Record<string, unknown>,
			};
		};
		const token = (
			await call("POST", "/api/v1/superusers/auth/password", SUPERUSER)
		).body.token as string;
		const collection = await call(
			"POST",
			"/api/v1/collections",
			{
				name: "orders",
				fields: [{ name: "total", type: "number" }],
				rules: { create: "" },
			},
			token,
		);
		expect(collection.status).toBe(201);
		const hook = await call(
			"POST",
			"/api/v1/webhooks",
			{ url: receiver.url("/orders"), events: ["orders.create"] },
			token,
		);
		expect(hook.status).toBe(201);
		const order = await call("POST", "/api/v1/collections/orders/records", {
			total: 42,
		});
		expect(order.status).toBe(201);

		// The server dies at once: nothing was delivered yet.
		const env = server.env;
		server.kill();
		expect(receiver.hits("/orders")).toHaveLength(0);

		worker = spawn(
			process.execPath,
			[path.join(packageRoot, "dist/cli/main.js"), "worker"],
			{ env: { ...process.env, ...env }, stdio: "ignore" },
		);
		const hits = await eventually(
			async () => receiver.hits("/orders"),
			(h) => h.length > 0,
			30_000,
		);
		expect(hits).toHaveLength(1);
		const body = JSON.parse((hits[0] as { body: string }).body);
		expect(body).toMatchObject({
			event: "orders.create",
			record: { id: order.body.id, total: 42 },
		});
	}, 60_000);
});
