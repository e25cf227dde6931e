import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dialects } from "../helpers/each-dialect.js";
import { captureLogLines } from "../helpers/log-capture.js";
import {
	type OtlpReceiver,
	startOtlpReceiver,
} from "../helpers/otlp-receiver.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;
/** Seeded into a record and a filter: it must never reach the exporter. */
const SECRET = "zq-private-value-8841";

async function until<T>(
	read: () => T | Promise<T>,
	ok: (value: T) => boolean,
): Promise<T> {
	for (let i = 0; i < 200; i++) {
		const value = await read();
		if (ok(value)) return value;
		await sleep(25);
	}
	throw new Error("condition not met in time");
}

const redisBin = findRedisServer();

/** Creates the `notes` collection anyone may list and add to. */
async function createNotes(t: TestApp): Promise<void> {
	const created = await t.request("POST", "/api/v1/collections", {
		token: "superuser",
		body: {
			type: "base",
			name: "notes",
			fields: [{ name: "title", type: "text" }],
			rules: { list: "", view: "", create: "", update: null, delete: null },
		},
	});
	expect(created.status, created.text).toBe(201);
}

/**
 * Exports `notes` (a job) in a traced request and checks the job's CONSUMER span
 * links to that request's SERVER span, and the job's statements are its children.
 */
async function expectJobLinkedToRequest(t: TestApp, receiver: OtlpReceiver) {
	const res = await t.request("POST", "/api/v1/collections/notes/export", {
		token: "superuser",
	});
	expect(res.status, res.text).toBe(202);
	await t.app.tracing?.flush();
	const server = receiver
		.spans()
		.find(
			(s) =>
				s.kind === SERVER &&
				s.attributes["url.path"] === "/api/v1/collections/notes/export",
		);
	expect(server).toBeDefined();
	const job = await until(
		async () => {
			await t.app.tracing?.flush();
			return receiver.spans().find((s) => s.kind === CONSUMER);
		},
		(span) => span !== undefined,
	);
	expect(job?.name).toBe("process basalt.export");
	expect(job?.traceId).not.toBe(server?.traceId);
	expect(job?.links).toContainEqual({
		traceId: server?.traceId,
		spanId: server?.spanId,
	});
	const jobStatements = receiver
		.spans()
		.filter((s) => s.parentSpanId === job?.spanId);
	expect(jobStatements.length).toBeGreaterThan(0);
}

for (const dialect of dialects) {
	const postgresUrl = inject("postgresUrl");
	const run = dialect === "postgres" && !postgresUrl ? describe.skip : describe;

	run(`tracing (OTLP/HTTP export) [${dialect}]`, () => {
		let receiver: OtlpReceiver;
		let t: TestApp;
		const logs = captureLogLines();

		/** Flushes the App's spans and returns the server span of the request to `path`. */
		async function serverSpanOf(method: string, path: string) {
			// Polls: on a real socket the client may read the answer a moment before
			// the server's onResponse hook ends the span.
			const span = await until(
				async () => {
					await t.app.tracing?.flush();
					return receiver
						.spans()
						.find(
							(s) =>
								s.kind === SERVER &&
								s.attributes["http.request.method"] === method &&
								s.attributes["url.path"] === path,
						);
				},
				(found) => found !== undefined,
			);
			if (!span) throw new Error(`no server span for ${method} ${path}`);
			return span;
		}

		beforeAll(async () => {
			receiver = await startOtlpReceiver();
			t = await createTestApp(
				dialect,
				postgresUrl,
				{
					OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
					OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
					OTEL_SERVICE_NAME: "basalt-test",
					OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
					BASALT_LOG_LEVEL: "info",
					BASALT_JOB_POLL_MS: "20",
				},
				{ logDestination: logs.stream },
			);
			await createNotes(t);
			const record = await t.request(
				"POST",
				"/api/v1/collections/notes/records",
				{
					body: { title: SECRET },
				},
			);
			expect(record.status, record.text).toBe(201);
		});
		afterAll(async () => {
			await t?.close();
			await receiver?.close();
		});

		it("exports a SERVER span named after the route template, with DB statements as CLIENT children", async () => {
			const path = "/api/v1/collections/notes/records";
			const filter = encodeURIComponent(`title = "${SECRET}"`);
			const res = await t.request("GET", `${path}?filter=${filter}`);
			expect(res.status, res.text).toBe(200);
			expect(res.body.items).toHaveLength(1);
			const server = await serverSpanOf("GET", path);
			expect(server.name).toBe("GET /api/v1/collections/:collection/records");
			expect(server.serviceName).toBe("basalt-test");
			expect(server.attributes).toMatchObject({
				"http.route": "/api/v1/collections/:collection/records",
				"http.response.status_code": 200,
			});
			expect(server.parentSpanId).toBeUndefined();
			const statements = receiver
				.spans()
				.filter((s) => s.parentSpanId === server.spanId);
			expect(statements.length).toBeGreaterThan(0);
			for (const s of statements) {
				expect(s.kind).toBe(CLIENT);
				expect(s.traceId).toBe(server.traceId);
				expect(s.attributes["db.system.name"]).toBe(
					dialect === "postgres" ? "postgresql" : "sqlite",
				);
				expect(s.attributes["db.query.text"]).toEqual(expect.any(String));
			}
			const select = statements.find((s) =>
				String(s.attributes["db.query.text"]).includes('"notes"'),
			);
			expect(select?.attributes["db.operation.name"]).toBe("SELECT");
			expect(select?.attributes["db.collection.name"]).toBe("notes");
			expect(select?.name).toBe("SELECT notes");
			expect(String(select?.attributes["db.query.text"])).toMatch(
				dialect === "postgres" ? /\$1/ : /\?/,
			);
		});

		it("keeps the request's span across body parsing and into the request log line on a real socket", async () => {
			// inject() hands Fastify the body at once; a socket delivers it in events run
			// in another async context, which the preValidation hook re-enters.
			const address = await t.server.listen({ host: "127.0.0.1", port: 0 });
			const path = "/api/v1/collections/notes/records";
			// The body arrives in two packets, so the handler runs from a later event.
			const status = await new Promise<number>((resolve, reject) => {
				const req = request(`${address}${path}`, {
					method: "POST",
					headers: { "content-type": "application/json" },
				});
				req.on("response", (res) => {
					res.resume();
					resolve(res.statusCode ?? 0);
				});
				req.on("error", reject);
				req.write('{"title": "over ');
				setTimeout(() => req.end('the wire"}'), 50);
			});
			expect(status).toBe(201);
			const server = await serverSpanOf("POST", path);
			const insert = receiver
				.spans()
				.find(
					(s) =>
						s.parentSpanId === server.spanId &&
						s.attributes["db.operation.name"] === "INSERT",
				);
			expect(insert?.kind).toBe(CLIENT);
			expect(insert?.traceId).toBe(server.traceId);
			// The request log line is written from the response's finish event.
			expect(
				logs.lines.find(
					(l) =>
						l.msg === "request" &&
						l.method === "POST" &&
						l.trace_id === server.traceId,
				),
			).toMatchObject({ span_id: server.spanId, status: 201 });
		});

		it("never exports a parameter value or a query string", async () => {
			await t.app.tracing?.flush();
			expect(receiver.bodies.length).toBeGreaterThan(0);
			for (const body of receiver.bodies) expect(body).not.toContain(SECRET);
		});

		it("continues an incoming W3C traceparent", async () => {
			const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
			const parent = "00f067aa0ba902b7";
			const res = await t.request("GET", "/api/v1/health", {
				headers: { traceparent: `00-${traceId}-${parent}-01` },
			});
			expect(res.status).toBeLessThan(500);
			const server = await serverSpanOf("GET", "/api/v1/health");
			expect(server.traceId).toBe(traceId);
			expect(server.parentSpanId).toBe(parent);
		});

		it("does not mark a 4xx answer as an error (the client's mistake)", async () => {
			const res = await t.request("GET", "/api/v1/collections/nope/records");
			expect(res.status).toBe(404);
			const span = await serverSpanOf(
				"GET",
				"/api/v1/collections/nope/records",
			);
			expect(span.status.code ?? 0).not.toBe(2);
		});

		it("links a job's span to the request that enqueued it (db queue)", async () => {
			t.app.jobs.startWorker();
			await expectJobLinkedToRequest(t, receiver);
		});

		it("writes the trace and span ids on log lines of a traced request", async () => {
			const res = await t.request("GET", "/api/v1/collections/notes/records");
			expect(res.status).toBe(200);
			const server = await serverSpanOf(
				"GET",
				"/api/v1/collections/notes/records",
			);
			const line = logs.lines.find(
				(l) => l.msg === "request" && l.trace_id === server.traceId,
			);
			expect(line).toMatchObject({
				route: "/api/v1/collections/:collection/records",
				span_id: server.spanId,
			});
		});
	});

	const runBullmq =
		redisBin && (dialect === "sqlite" || postgresUrl)
			? describe
			: describe.skip;
	runBullmq(`tracing job links on the bullmq driver [${dialect}]`, () => {
		let receiver: OtlpReceiver;
		let redis: RedisServer;
		let t: TestApp;
		beforeAll(async () => {
			receiver = await startOtlpReceiver();
			redis = await startRedis(redisBin as string);
			t = await createTestApp(dialect, postgresUrl, {
				OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/v1/traces`,
				OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
				BASALT_QUEUE: "bullmq",
				REDIS_URL: redis.url,
				BASALT_JOB_POLL_MS: "20",
			});
			await createNotes(t);
			t.app.jobs.startWorker();
		}, 60_000);
		afterAll(async () => {
			await t?.close();
			await redis?.stop();
			await receiver?.close();
		});

		it("links a job's span to the request that enqueued it (bullmq)", async () => {
			await expectJobLinkedToRequest(t, receiver);
		});
	});

	run(`tracing off [${dialect}]`, () => {
		it("exports nothing and creates no span when OTEL_SDK_DISABLED is true", async () => {
			const receiver = await startOtlpReceiver();
			const logs = captureLogLines();
			const t = await createTestApp(
				dialect,
				postgresUrl,
				{
					OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
					OTEL_SDK_DISABLED: "true",
					BASALT_LOG_LEVEL: "info",
				},
				{ logDestination: logs.stream },
			);
			try {
				expect(t.app.tracing).toBeUndefined();
				const res = await t.request("GET", "/api/v1/collections", {
					token: "superuser",
				});
				expect(res.status).toBe(200);
				const line = logs.lines.find((l) => l.msg === "request");
				expect(line).toBeDefined();
				expect(line).not.toHaveProperty("trace_id");
			} finally {
				await t.close();
			}
			expect(receiver.bodies).toEqual([]);
			await receiver.close();
		});
	});
}
