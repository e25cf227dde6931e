import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/core/config/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	createCollection,
	openRules,
	UUID_V7,
} from "../helpers/records-api.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const ENV = { BASALT_SSRF_ALLOW: "127.0.0.1/32" };

/** A create body with the answer it must get. */
interface CreateScenario {
	name: string;
	body: Record<string, unknown>;
	status: number;
	field?: string;
	code?: string;
	message?: string | RegExp;
}

const valid = { url: "http://127.0.0.1:9/hook", events: ["wh_posts.*"] };

const createScenarios: CreateScenario[] = [
	{
		name: "a non-http(s) URL",
		body: { ...valid, url: "ftp://127.0.0.1/x" },
		status: 422,
		field: "url",
		code: "URL_REFUSED",
		message: "only http and https URLs are allowed",
	},
	{
		name: "a private IPv4 address",
		body: { ...valid, url: "http://10.0.0.1/" },
		status: 422,
		field: "url",
		code: "URL_REFUSED",
		message: "the host is a private or reserved address (10.0.0.1)",
	},
	{
		name: "IPv6 loopback (not on the allowlist)",
		body: { ...valid, url: "http://[::1]/" },
		status: 422,
		field: "url",
		code: "URL_REFUSED",
		message: "the host is a private or reserved address (::1)",
	},
	{
		name: "the cloud metadata address",
		body: { ...valid, url: "http://169.254.169.254/latest/meta-data" },
		status: 422,
		field: "url",
		message: /169\.254\.169\.254/,
	},
	{
		name: "loopback written as a number",
		body: { ...valid, url: "http://2130706433:9/" },
		status: 201,
	},
	{
		name: "a URL with credentials",
		body: { ...valid, url: "http://user:pw@127.0.0.1/" },
		status: 422,
		field: "url",
		message: "URLs with credentials are not allowed",
	},
	{
		name: "a malformed URL",
		body: { ...valid, url: "not a url" },
		status: 422,
		field: "url",
		message: "the URL is malformed",
	},
	{
		name: "no events",
		body: { ...valid, events: [] },
		status: 422,
		field: "events",
		code: "REQUIRED",
	},
	{
		name: "an unknown action",
		body: { ...valid, events: ["wh_posts.publish"] },
		status: 422,
		field: "events",
		code: "INVALID_EVENT",
	},
	{
		name: "an unknown collection",
		body: { ...valid, events: ["*", "nope.create"] },
		status: 422,
		field: "events",
		code: "UNKNOWN_COLLECTION",
	},
	{
		name: "a weak secret",
		body: { ...valid, secret: "short" },
		status: 422,
		field: "secret",
		code: "TOO_SHORT",
	},
	{
		name: "an unknown member",
		body: { ...valid, extra: 1 },
		status: 400,
		code: "UNKNOWN_FIELD",
	},
	{
		name: "no url",
		body: { events: ["*"] },
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "events not a list",
		body: { ...valid, events: "*" },
		status: 400,
		code: "INVALID_BODY",
	},
	{
		name: "active not a boolean",
		body: { ...valid, active: 1 },
		status: 400,
		code: "INVALID_BODY",
	},
];

describeEachDialect(
	"webhooks API",
	(t) => {
		const su = { token: "superuser" } as const;
		const create = (body: Record<string, unknown>) =>
			t().request("POST", "/api/v1/webhooks", { ...su, body });

		beforeAll(async () => {
			await createCollection(t(), {
				name: "wh_posts",
				fields: [{ name: "title", type: "text" }],
				rules: openRules,
			});
		});

		it("creates a webhook with a generated secret shown only once", async () => {
			const res = await create({ ...valid, events: ["wh_posts.*", "*"] });
			expect(res.status, res.text).toBe(201);
			expect(res.headers.location).toBe(`/api/v1/webhooks/${res.body.id}`);
			expect(res.body).toMatchObject({
				url: valid.url,
				events: ["wh_posts.*", "*"],
				active: true,
				consecutiveFailures: 0,
				pausedReason: null,
			});
			expect(res.body.id).toMatch(UUID_V7);
			expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
			const one = await t().request("GET", res.headers.location as string, su);
			expect(one.status).toBe(200);
			expect(one.body).not.toHaveProperty("secret");
			expect(one.text).not.toContain(res.body.secret);
			const list = await t().request("GET", "/api/v1/webhooks", su);
			expect(list.body.items.map((w: { id: string }) => w.id)).toContain(
				res.body.id,
			);
			expect(list.text).not.toContain(res.body.secret);
			expect(list.text).not.toContain('"secret"');
		});

		it("keeps a given secret, sealed at rest, and returns a new one only from the PATCH that sets it", async () => {
			const secret = "my-own-secret-of-32-characters!!";
			const res = await create({ ...valid, secret });
			expect(res.body.secret).toBe(secret);
			const row = await t()
				.app.db.kysely.selectFrom("_webhooks")
				.select("secret")
				.where("id", "=", res.body.id)
				.executeTakeFirstOrThrow();
			expect(row.secret).not.toContain(secret);
			const url = `/api/v1/webhooks/${res.body.id}`;
			const renamed = await t().request("PATCH", url, {
				...su,
				body: { events: ["wh_posts.create", "wh_posts.create"] },
			});
			expect(renamed.status, renamed.text).toBe(200);
			expect(renamed.body.events).toEqual(["wh_posts.create"]);
			expect(renamed.body).not.toHaveProperty("secret");
			const rotated = await t().request("PATCH", url, {
				...su,
				body: { secret: "another-secret-0123456789" },
			});
			expect(rotated.body.secret).toBe("another-secret-0123456789");
			const after = await t().request("GET", url, su);
			expect(after.body).not.toHaveProperty("secret");
		});

		for (const scenario of createScenarios) {
			it(`answers ${scenario.status} to ${scenario.name}`, async () => {
				const res = await create(scenario.body);
				expect(res.status, res.text).toBe(scenario.status);
				if (scenario.status === 422) {
					expect(res.body.code).toBe("VALIDATION_FAILED");
					const error = res.body.errors[scenario.field as string];
					if (scenario.code) expect(error.code).toBe(scenario.code);
					if (scenario.message) expect(error.message).toMatch(scenario.message);
				} else if (scenario.status === 400) {
					expect(res.body.code).toBe(scenario.code);
				}
			});
		}

		it("validates a PATCH like a create and 404s an unknown webhook", async () => {
			const { body } = await create(valid);
			const url = `/api/v1/webhooks/${body.id}`;
			const refused = await t().request("PATCH", url, {
				...su,
				body: { url: "http://192.168.1.1/" },
			});
			expect(refused.status).toBe(422);
			expect(refused.body.errors.url.message).toMatch(/192\.168\.1\.1/);
			const unknown = await t().request("PATCH", url, {
				...su,
				body: { enabled: true },
			});
			expect(unknown.status).toBe(400);
			expect((await t().request("GET", url, su)).body.url).toBe(valid.url);
			const missing = await t().request("PATCH", "/api/v1/webhooks/nope", {
				...su,
				body: { active: false },
			});
			expect(missing.status).toBe(404);
			expect(missing.body.code).toBe("WEBHOOK_NOT_FOUND");
		});

		it("deletes a webhook; then it and its deliveries are 404", async () => {
			const { body } = await create(valid);
			const url = `/api/v1/webhooks/${body.id}`;
			expect((await t().request("DELETE", url, su)).status).toBe(204);
			for (const path of [url, `${url}/deliveries`]) {
				const res = await t().request("GET", path, su);
				expect(res.status).toBe(404);
				expect(res.body.code).toBe("WEBHOOK_NOT_FOUND");
			}
			expect((await t().request("DELETE", url, su)).status).toBe(404);
		});

		it("404s the redelivery of an unknown delivery and 400s bad paging", async () => {
			const { body } = await create(valid);
			const base = `/api/v1/webhooks/${body.id}/deliveries`;
			const redeliver = await t().request(
				"POST",
				`${base}/0190a0a0-0000-7000-8000-000000000000/redeliver`,
				su,
			);
			expect(redeliver.status).toBe(404);
			expect(redeliver.body.code).toBe("DELIVERY_NOT_FOUND");
			const empty = await t().request("GET", base, su);
			expect(empty.body).toMatchObject({ items: [], totalItems: 0, page: 1 });
			for (const query of ["perPage=501", "page=0", "status=done"]) {
				const res = await t().request("GET", `${base}?${query}`, su);
				expect(res.status, query).toBe(400);
				expect(res.body.code).toBe("INVALID_QUERY");
			}
		});

		it("is for superusers only", async () => {
			const { body } = await create(valid);
			const calls: [string, string, unknown?][] = [
				["GET", "/api/v1/webhooks"],
				["POST", "/api/v1/webhooks", valid],
				["GET", `/api/v1/webhooks/${body.id}`],
				["PATCH", `/api/v1/webhooks/${body.id}`, { active: false }],
				["DELETE", `/api/v1/webhooks/${body.id}`],
				["GET", `/api/v1/webhooks/${body.id}/deliveries`],
			];
			for (const [method, url, payload] of calls) {
				const res = await t().request(method, url, {
					...(payload ? { body: payload } : {}),
				});
				expect(res.status, `${method} ${url}`).toBe(401);
				expect(res.body.code).toBe("AUTH_REQUIRED");
			}
			expect(
				(await t().request("GET", `/api/v1/webhooks/${body.id}`, su)).body
					.active,
			).toBe(true);
		});

		it("describes the webhooks API in OpenAPI", async () => {
			const res = await t().request("GET", "/api/v1/openapi.json");
			expect(Object.keys(res.body.paths)).toEqual(
				expect.arrayContaining([
					"/api/v1/webhooks",
					"/api/v1/webhooks/{id}",
					"/api/v1/webhooks/{id}/deliveries",
					"/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
				]),
			);
			expect(
				res.body.paths["/api/v1/webhooks"].post.requestBody.content[
					"application/json"
				].schema.additionalProperties,
			).toBe(false);
		});
	},
	ENV,
);

describe("webhooks without BASALT_SSRF_ALLOW", () => {
	let t: TestApp;
	beforeAll(async () => {
		t = await createTestApp("sqlite", inject("postgresUrl"), {});
	});
	afterAll(() => t.close());

	it("refuses loopback targets, by address and by name", async () => {
		for (const [url, address] of [
			["http://127.0.0.1:9/hook", "127.0.0.1"],
			["http://localhost:9/hook", "resolves to a private or reserved address"],
			["http://[::ffff:127.0.0.1]/", "private or reserved"],
		] as const) {
			const res = await t.request("POST", "/api/v1/webhooks", {
				token: "superuser",
				body: { url, events: ["*"] },
			});
			expect(res.status, url).toBe(422);
			expect(res.body.errors.url.code).toBe("URL_REFUSED");
			expect(res.body.errors.url.message).toContain(address);
		}
	});
});

describe("webhook configuration", () => {
	const context = { cwd: "/srv/app", stdoutIsTty: false };

	it("has defaults and validates each variable", () => {
		const defaults = parseConfig({}, context);
		expect(defaults).toMatchObject({
			outbound: {
				ssrfAllow: [],
				webhooks: { timeoutMs: 10_000, pauseAfter: 5, maxAttempts: 8 },
			},
			jobs: { backoffMs: 1000 },
		});
		for (const [variable, value] of [
			["BASALT_SSRF_ALLOW", "10.0.0/8"],
			["BASALT_SSRF_ALLOW", "https://hooks.example/x"],
			["BASALT_WEBHOOK_TIMEOUT_MS", "soon"],
			["BASALT_WEBHOOK_PAUSE_AFTER", "0"],
			["BASALT_WEBHOOK_MAX_ATTEMPTS", "51"],
			["BASALT_JOB_BACKOFF_MS", "-1"],
		] as const) {
			let error: unknown;
			try {
				parseConfig({ [variable]: value }, context);
			} catch (err: unknown) {
				error = err;
			}
			expect(error, `${variable}=${value}`).toBeInstanceOf(ConfigError);
			expect((error as ConfigError).variable).toBe(variable);
		}
		expect(
			parseConfig(
				{ BASALT_SSRF_ALLOW: "127.0.0.1/32, hooks.internal" },
				context,
			).outbound.ssrfAllow,
		).toEqual(["127.0.0.1/32", "hooks.internal"]);
	});
});
