import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

describe("CORS (BASALT_CORS_ORIGINS)", () => {
	let open: TestApp;
	let listed: TestApp;

	beforeAll(async () => {
		open = await createTestApp("sqlite", inject("postgresUrl"));
		listed = await createTestApp("sqlite", inject("postgresUrl"), {
			BASALT_CORS_ORIGINS: "https://app.example, https://admin.example",
		});
	});
	afterAll(async () => {
		await open.close();
		await listed.close();
	});

	it("answers browsers from any origin by default, exposing Basalt's headers", async () => {
		const res = await open.request("GET", "/health/live", {
			headers: { origin: "https://anywhere.example" },
		});
		expect(res.headers["access-control-allow-origin"]).toBe("*");
		// Bearer tokens, never cookies: browsers never send credentials across origins.
		expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
		expect(String(res.headers["access-control-expose-headers"])).toContain(
			"ETag",
		);
		expect(String(res.headers.vary)).toContain("Origin");
	});

	it("sends no CORS headers to clients that send no Origin, but varies on it", async () => {
		const res = await open.request("GET", "/health/live");
		expect(res.headers["access-control-allow-origin"]).toBeUndefined();
		expect(String(res.headers.vary)).toContain("Origin");
	});

	it("answers preflight requests", async () => {
		const res = await open.request("OPTIONS", "/api/v1/collections/x/records", {
			headers: {
				origin: "https://anywhere.example",
				"access-control-request-method": "PATCH",
				"access-control-request-headers":
					"authorization, content-type, if-match",
			},
		});
		expect(res.status).toBe(204);
		expect(res.headers["access-control-allow-origin"]).toBe("*");
		expect(String(res.headers["access-control-allow-methods"])).toContain(
			"PATCH",
		);
		expect(String(res.headers["access-control-allow-headers"])).toContain(
			"if-match",
		);
	});

	// Regression (found by test/fuzz/api-fuzz.test.ts): an OPTIONS with an Origin but
	// no Access-Control-Request-Method got @fastify/cors's text/plain 400 "Invalid
	// Preflight Request"; it is no preflight, so it is refused like any other method.
	it("answers an OPTIONS request that is not a preflight with problem+json", async () => {
		const path = await open.request(
			"OPTIONS",
			"/api/v1/collections/x/records",
			{
				headers: { origin: "https://anywhere.example" },
			},
		);
		expect(path.status).toBe(405);
		expect(path.headers["content-type"]).toMatch(/^application\/problem\+json/);
		expect(path.body.code).toBe("METHOD_NOT_ALLOWED");
		expect(path.headers["access-control-allow-origin"]).toBe("*");
		const nowhere = await open.request("OPTIONS", "/nope", {
			headers: { origin: "https://anywhere.example" },
		});
		expect(nowhere.status).toBe(404);
		expect(nowhere.body.code).toBe("ROUTE_NOT_FOUND");
	});

	it("allows only the listed origins when a list is configured", async () => {
		const allowed = await listed.request("GET", "/health/live", {
			headers: { origin: "https://admin.example" },
		});
		expect(allowed.headers["access-control-allow-origin"]).toBe(
			"https://admin.example",
		);
		const refused = await listed.request("GET", "/health/live", {
			headers: { origin: "https://evil.example" },
		});
		expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
	});
});
