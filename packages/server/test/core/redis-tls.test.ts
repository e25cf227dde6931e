import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisConnection } from "../../src/tools/redis/index.js";
import { createRedisClient } from "../../src/tools/redis/redis-client.js";
import { findBinary } from "../helpers/find-binary.js";
import { captureLogLines } from "../helpers/log-capture.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import { refusalOf } from "../helpers/refusal.js";
import { createTestApp } from "../helpers/test-app.js";
import { createTestPki, type TestPki } from "../helpers/test-pki.js";
import { eventually } from "./jobs/queue-contract.js";

// Debian's redis-server is built with TLS (it links libssl): the suite starts one
// that listens with TLS only. Locally a missing redis-server or openssl skips the
// suite; under CI=true it fails instead.
const redisBin = findRedisServer();
const openssl = findBinary("openssl", "outbound TLS");

// rediss:// in REDIS_URL, BASALT_REDIS_CA and BASALT_REDIS_TLS_VERIFY
// (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq).
describe.skipIf(!redisBin || !openssl)("Redis over TLS", () => {
	let pki: TestPki;
	let server: RedisServer;
	let port: number;
	let ca: Buffer;
	const clients: Redis[] = [];
	beforeAll(async () => {
		pki = createTestPki();
		ca = readFileSync(pki.caCert);
		server = await startRedis(redisBin as string, undefined, {
			certFile: pki.serverCert,
			keyFile: pki.serverKey,
			caFile: pki.caCert,
		});
		port = Number(new URL(server.url).port);
	});
	afterAll(async () => {
		for (const client of clients) client.disconnect();
		await server?.stop();
		pki?.remove();
	});

	/** A client as Basalt makes them, connected once (no retry), and what it reported. */
	async function connect(connection: RedisConnection) {
		const tlsErrors: Error[] = [];
		const client = createRedisClient(
			{ ...connection, onTlsError: (err) => tlsErrors.push(err) },
			{ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null },
		);
		clients.push(client);
		return { client, tlsErrors, connected: client.connect() };
	}

	it("connects to rediss:// with the CA given, and works", async () => {
		const { client, connected } = await connect({
			url: `rediss://localhost:${port}`,
			tls: { ca },
		});
		await connected;
		await client.set("tls:probe", "over TLS");
		expect(await client.get("tls:probe")).toBe("over TLS");
	});

	it("refuses a certificate no trusted CA signed: Node's CAs, or another CA", async () => {
		for (const tls of [undefined, { ca: readFileSync(pki.otherCaCert) }]) {
			const { tlsErrors, connected } = await connect({
				url: `rediss://localhost:${port}`,
				...(tls ? { tls } : {}),
			});
			await refusalOf(connected);
			expect(tlsErrors.map((err) => (err as { code?: string }).code)).toEqual([
				expect.stringMatching(/SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/),
			]);
		}
	});

	it("refuses a host the certificate does not name (127.0.0.1 for a localhost certificate)", async () => {
		const { tlsErrors, connected } = await connect({
			url: `rediss://127.0.0.1:${port}`,
			tls: { ca },
		});
		await refusalOf(connected);
		expect(tlsErrors).toHaveLength(1);
		expect(tlsErrors[0]?.message).toMatch(
			/does not match certificate's altnames/,
		);
	});

	it("skips the checks only when told to (verify: false)", async () => {
		const { client, connected } = await connect({
			url: `rediss://127.0.0.1:${port}`,
			tls: { verify: false },
		});
		await connected;
		expect(await client.ping()).toBe("PONG");
	});

	it("connects every client of an app (rate limits, cache, event bus, BullMQ and its workers) over TLS with BASALT_REDIS_CA", async () => {
		const before = await connectedClients();
		const t = await createTestApp("sqlite", undefined, {
			REDIS_URL: server.url,
			BASALT_REDIS_CA: pki.caCert,
			BASALT_QUEUE: "bullmq",
			BASALT_JOB_POLL_MS: "20",
		});
		try {
			expect((await t.request("GET", "/health/ready")).status).toBe(200);
			// The server listens with TLS only, so each of these is a TLS connection:
			// one each for rate limits, the cache and BullMQ, two for the event bus.
			const list = await waitForClients(before.length + 5);
			expect(list.length).toBeGreaterThanOrEqual(before.length + 5);
			// The event bus's subscriber: a pub/sub connection.
			expect(list.some((line) => / flags=P /.test(line))).toBe(true);
			// A worker blocks on copies of BullMQ's connection: they keep its TLS settings.
			t.app.startBackgroundWork();
			const job = await t.app.mail.send({
				to: "ada@example.com",
				subject: "over TLS",
				text: "hi",
			});
			const done = await eventually(
				() => t.app.jobs.get(job.id),
				(j) => j.status === "completed",
			);
			expect(done.status).toBe("completed");
		} finally {
			await t.close();
		}
	});

	it("logs an app's refused certificate as an error naming the cause", async () => {
		const logs = captureLogLines();
		const t = await createTestApp(
			"sqlite",
			undefined,
			{
				REDIS_URL: `rediss://127.0.0.1:${port}`,
				BASALT_REDIS_CA: pki.caCert,
				BASALT_LOG_LEVEL: "error",
			},
			{ logDestination: logs.stream },
		);
		try {
			const refused = logs.lines.filter((line) =>
				String(line.msg).startsWith("Redis: the TLS handshake failed"),
			);
			expect(refused.length).toBeGreaterThan(0);
			expect(refused[0]).toMatchObject({
				code: "ERR_TLS_CERT_ALTNAME_INVALID",
				reason: expect.stringMatching(/does not match certificate's altnames/),
			});
			// Not the peer certificate Node's error carries: a line of its own size.
			expect(JSON.stringify(refused[0]).length).toBeLessThan(1000);
			const ready = await t.request("GET", "/health/ready");
			// Each user of Redis got the same refusal: none connected some other way.
			expect(ready.body.degraded).toEqual({
				redis: expect.any(String),
				cache: expect.any(String),
				bus: expect.any(String),
			});
		} finally {
			await t.close();
		}
	});

	it("skips an app's checks only with BASALT_REDIS_TLS_VERIFY=false", async () => {
		const t = await createTestApp("sqlite", undefined, {
			REDIS_URL: `rediss://127.0.0.1:${port}`,
			BASALT_REDIS_TLS_VERIFY: "false",
		});
		try {
			const ready = await t.request("GET", "/health/ready");
			expect(ready.status).toBe(200);
			expect(ready.body.degraded).toBeUndefined();
		} finally {
			await t.close();
		}
	});

	/** The server's CLIENT LIST, one line per connection. */
	async function connectedClients(): Promise<string[]> {
		const { client, connected } = await connect({
			url: server.url,
			tls: { ca },
		});
		await connected;
		const list = String(await client.call("CLIENT", "LIST"));
		client.disconnect();
		return list.split("\n").filter((line) => line.includes("addr="));
	}

	/** CLIENT LIST once it has `count` lines (the asking connection is one), or after 5 s. */
	async function waitForClients(count: number): Promise<string[]> {
		for (let i = 0; ; i++) {
			const list = await connectedClients();
			if (list.length >= count || i >= 50) return list;
			await sleep(100);
		}
	}
});
