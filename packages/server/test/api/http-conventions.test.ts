import { Writable } from "node:stream";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/tools/logger/index.js";
import { readPackageVersion } from "../helpers/package-version.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

/** Captures every log line the app writes. */
function captureLogs() {
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk, _encoding, done) {
			lines.push(...String(chunk).split("\n").filter(Boolean));
			done();
		},
	});
	return {
		lines,
		logger: createLogger({
			level: "info",
			format: "json",
			destination: stream,
		}),
	};
}

describe("HTTP conventions (docs/api.md, Conventions)", () => {
	let t: TestApp;
	const logs = captureLogs();

	beforeAll(async () => {
		t = await createTestApp(
			"sqlite",
			inject("postgresUrl"),
			{},
			{ logger: logs.logger },
		);
	});
	afterAll(async () => {
		await t.close();
	});

	it("puts X-Request-Id on every response, errors included", async () => {
		for (const [method, url] of [
			["GET", "/health/live"],
			["GET", "/api/v1/collections"],
			["GET", "/no/such/route"],
			["POST", "/api/v1/collections/nope/records"],
		] as const) {
			const res = await t.request(method, url, {
				body: method === "POST" ? {} : undefined,
			});
			expect(res.headers["x-request-id"], url).toMatch(/^[0-9a-f-]{36}$/);
			if (res.status >= 400)
				expect(res.body.requestId, url).toBe(res.headers["x-request-id"]);
		}
	});

	it("echoes a valid client request id and replaces a hostile one", async () => {
		const echoed = await t.request("GET", "/health/live", {
			headers: { "x-request-id": "client-id.42:a_b" },
		});
		expect(echoed.headers["x-request-id"]).toBe("client-id.42:a_b");
		const hostile = await t.request("GET", "/health/live", {
			headers: { "x-request-id": `bad id\n{"level":"fatal"}` },
		});
		expect(hostile.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("answers unknown routes with a problem document", async () => {
		const res = await t.request("GET", "/api/v1/nothing?token=secret");
		expect(res.status).toBe(404);
		expect(res.headers["content-type"]).toContain("application/problem+json");
		expect(res.body).toMatchObject({
			code: "ROUTE_NOT_FOUND",
			status: 404,
			instance: "/api/v1/nothing",
		});
		expect(res.text).not.toContain("secret");
	});

	it("writes one JSON line per request with the route template, never the token", async () => {
		logs.lines.length = 0;
		const res = await t.request(
			"GET",
			"/api/v1/collections/missing/records?filter=x%3D1",
			{
				token: "superuser",
				headers: { "user-agent": `agent ${"x".repeat(5000)}` },
			},
		);
		const requestLines = logs.lines
			.map((l) => JSON.parse(l))
			.filter((l) => l.msg === "request");
		expect(requestLines).toHaveLength(1);
		const line = requestLines[0];
		expect(line).toMatchObject({
			level: "info",
			requestId: res.headers["x-request-id"],
			method: "GET",
			route: "/api/v1/collections/:collection/records",
			status: 404,
			caller: { type: "superuser" },
			ip: "127.0.0.1",
		});
		expect(typeof line.durationMs).toBe("number");
		expect(typeof line.time).toBe("string");
		expect(line.userAgent.length).toBeLessThanOrEqual(256);
		expect(logs.lines.join("\n")).not.toContain(t.superuserToken);
	});

	// The document is built once per generation of the collections: every schema or
	// rule change must show in the next answer.
	it("serves a new OpenAPI document after each collection change, the same one between them", async () => {
		const paths = async () =>
			Object.keys((await t.request("GET", "/api/v1/openapi.json")).body.paths);
		const before = await paths();
		expect(await paths()).toEqual(before);
		const created = await t.request("POST", "/api/v1/collections", {
			token: "superuser",
			body: { name: "drafts", fields: [{ name: "title", type: "text" }] },
		});
		expect(created.status).toBe(201);
		expect(await paths()).toContain("/api/v1/collections/drafts/records");
		const field = async () =>
			(await t.request("GET", "/api/v1/openapi.json")).body.components.schemas[
				"record.drafts.create"
			].properties;
		expect(Object.keys(await field())).toEqual(["title"]);
		const changed = await t.request("PATCH", "/api/v1/collections/drafts", {
			token: "superuser",
			body: {
				fields: [
					{ name: "title", type: "text" },
					{ name: "pages", type: "number" },
				],
			},
		});
		expect(changed.status, changed.text).toBe(200);
		expect(Object.keys(await field())).toEqual(["title", "pages"]);
		const removed = await t.request("DELETE", "/api/v1/collections/drafts", {
			token: "superuser",
		});
		expect(removed.status).toBe(204);
		expect(await paths()).not.toContain("/api/v1/collections/drafts/records");
	});

	it("serves the OpenAPI 3.1 document with the live collections", async () => {
		const created = await t.request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "notes",
				fields: [{ name: "body", type: "text", required: true, max: 500 }],
				rules: { list: "" },
			},
		});
		expect(created.status).toBe(201);
		const res = await t.request("GET", "/api/v1/openapi.json");
		expect(res.status).toBe(200);
		expect(res.body.openapi).toBe("3.1.0");
		expect(res.body.info.version).toBe(readPackageVersion());
		expect(Object.keys(res.body.paths)).toEqual(
			expect.arrayContaining([
				"/api/v1/collections",
				"/api/v1/collections/{collection}/records",
				"/api/v1/batch",
				"/api/v1/superusers/auth/password",
				"/api/v1/collections/notes/records",
				"/api/v1/collections/notes/records/{id}",
			]),
		);
		// A body schema that admits null (Fastify reads no body as null) is optional.
		const impersonate =
			res.body.paths["/api/v1/collections/{collection}/impersonate/{id}"].post;
		expect(impersonate.requestBody.required).toBe(false);
		expect(
			res.body.paths["/api/v1/auth/refresh"].post.requestBody.required,
		).toBe(true);
		const input = res.body.components.schemas["record.notes.create"];
		expect(input).toMatchObject({
			additionalProperties: false,
			required: ["body"],
		});
		expect(input.properties.body).toEqual({ type: "string", maxLength: 500 });
		// A real OpenAPI 3.1 validator accepts the whole document.
		const validation = await new Validator().validate(res.body);
		expect(
			validation.errors,
			JSON.stringify(validation.errors ?? []).slice(0, 2000),
		).toBeUndefined();
		expect(validation.valid).toBe(true);
		const broken = await new Validator().validate({
			...res.body,
			info: { title: "no version" },
		});
		expect(broken.valid).toBe(false);
		// Every $ref points at a schema that exists.
		const refs = [
			...JSON.stringify(res.body).matchAll(
				/"\$ref":"#\/components\/schemas\/([^"]+)"/g,
			),
		].map((m) => m[1]);
		for (const ref of refs)
			expect(res.body.components.schemas, ref).toHaveProperty([ref as string]);
	});

	it("renders the API docs at /docs", async () => {
		const page = await t.request("GET", "/docs");
		expect(page.status).toBe(200);
		expect(page.headers["content-type"]).toContain("text/html");
		expect(page.text).toContain("/docs/assets/swagger-ui-bundle.js");
		const bundle = await t.request("GET", "/docs/assets/swagger-ui-bundle.js");
		expect(bundle.status).toBe(200);
		expect(bundle.text.length).toBeGreaterThan(100_000);
		const init = await t.request("GET", "/docs/init.js");
		expect(init.text).toContain("/api/v1/openapi.json");
	});

	it("reports readiness and drains on shutdown", async () => {
		expect((await t.request("GET", "/health/ready")).status).toBe(200);
		t.app.beginDrain();
		const draining = await t.request("GET", "/health/ready");
		expect(draining.status).toBe(503);
		expect(draining.body.failing).toHaveProperty("shutdown");
		expect((await t.request("GET", "/health/live")).status).toBe(200);
	});
});
