import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { expect, it } from "vitest";
import { isLoopbackHost } from "../../src/tools/ip/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { checkJobMetrics } from "../helpers/job-metrics-scenario.js";
import { type Scrape, scrapeMetrics } from "../helpers/scrape-metrics.js";
import { SUPERUSER } from "../helpers/test-app.js";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const PASSWORD = "quiet lantern morning";
const RECORD_ROUTE = "/api/v1/collections/:collection/records/:id";

describeEachDialect(
	"metrics",
	(t) => {
		const scrape = () => scrapeMetrics(t());
		const signUp = async (email: string) => {
			const res = await t().request(
				"POST",
				"/api/v1/collections/users/records",
				{ body: { email, password: PASSWORD, passwordConfirm: PASSWORD } },
			);
			expect(res.status, res.text).toBe(201);
			return res.body.id as string;
		};
		const signIn = (email: string, password = PASSWORD) =>
			t().request("POST", "/api/v1/collections/users/auth/password", {
				body: { identity: email, password },
			});

		it("answers loopback clients without a token, others only with the metrics token", async () => {
			const get = (remoteAddress: string, authorization?: string) =>
				t().server.inject({
					method: "GET",
					url: "/metrics",
					remoteAddress,
					headers: authorization ? { authorization } : {},
				});
			for (const local of [
				"127.0.0.1",
				"127.8.9.10",
				"::1",
				"::ffff:127.0.0.1",
			]) {
				const res = await get(local);
				expect(res.statusCode, local).toBe(200);
				expect(res.headers["content-type"]).toMatch(
					/^text\/plain; version=0\.0\.4/,
				);
				expect(res.body).toContain("# TYPE basalt_http_requests_total counter");
			}
			const stranger = "203.0.113.9";
			const none = await get(stranger);
			expect(none.statusCode).toBe(401);
			expect(none.headers["content-type"]).toMatch(
				/^application\/problem\+json/,
			);
			expect(none.json().code).toBe("AUTH_REQUIRED");
			const wrong = await get(stranger, "Bearer not-the-metrics-token");
			expect(wrong.statusCode).toBe(401);
			expect(wrong.json().code).toBe("INVALID_TOKEN");
			expect(wrong.body).not.toContain("basalt_http");
			// An access token is not the metrics token.
			const access = await get(stranger, `Bearer ${t().superuserToken}`);
			expect(access.statusCode).toBe(401);
			const right = await get(stranger, `Bearer ${METRICS_TOKEN}`);
			expect(right.statusCode).toBe(200);
			expect(right.body).toContain("basalt_http_requests_total");
		});

		it("is not in the API v1 OpenAPI document", async () => {
			const res = await t().request("GET", "/api/v1/openapi.json");
			expect(res.status).toBe(200);
			expect(Object.keys(res.body.paths)).not.toContain("/metrics");
		});

		it("counts requests by route template and status class, and times them", async () => {
			const labels2xx = { method: "GET", route: "/health/live", status: "2xx" };
			const labels4xx = { method: "GET", route: RECORD_ROUTE, status: "4xx" };
			const before = await scrape();
			for (let i = 0; i < 3; i++)
				expect((await t().request("GET", "/health/live")).status).toBe(200);
			const missing = await t().request(
				"GET",
				"/api/v1/collections/users/records/nosuchrecord",
				{ token: "superuser" },
			);
			expect(missing.status).toBe(404);
			const after = await scrape();
			const delta = (s: Scrape, l: Record<string, string>) =>
				s.value("basalt_http_requests_total", l);
			expect(delta(after, labels2xx) - delta(before, labels2xx)).toBe(3);
			expect(delta(after, labels4xx) - delta(before, labels4xx)).toBe(1);
			const timed = (s: Scrape) =>
				s.count("basalt_http_request_duration_seconds", labels2xx);
			expect(timed(after) - timed(before)).toBe(3);
			// The raw URL never becomes a label value.
			expect(
				after.labelValues("basalt_http_requests_total", "route"),
			).not.toContain("/api/v1/collections/users/records/nosuchrecord");
			// The scrape itself was in flight while it was answered.
			expect(after.value("basalt_http_requests_in_flight")).toBe(1);
		});

		it("gives every unmatched URL one route label value", async () => {
			for (let i = 0; i < 50; i++) {
				const url = `/no/such/${randomBytes(6).toString("hex")}?q=${i}`;
				expect((await t().request("GET", url)).status).toBe(404);
			}
			const after = await scrape();
			const routes = after.labelValues("basalt_http_requests_total", "route");
			expect(routes.filter((r) => r.startsWith("/no/"))).toEqual([]);
			expect(routes).toContain("(unmatched)");
			expect(
				after.value("basalt_http_requests_total", {
					route: "(unmatched)",
					status: "4xx",
				}),
			).toBeGreaterThanOrEqual(50);
			expect(routes.length).toBeLessThan(20);
		});

		it("counts sign-ins by kind and outcome, refresh-token reuse, and rate-limited requests", async () => {
			await signUp("ann@example.com");
			const before = await scrape();
			const ok = await signIn("ann@example.com");
			expect(ok.status).toBe(200);
			expect((await signIn("ann@example.com", "wrong password")).status).toBe(
				400,
			);
			const superuser = await t().request(
				"POST",
				"/api/v1/superusers/auth/password",
				{ body: { identity: SUPERUSER.email, password: "wrong" } },
			);
			expect(superuser.status).toBe(400);
			const refresh = (refreshToken: string) =>
				t().request("POST", "/api/v1/auth/refresh", { body: { refreshToken } });
			expect((await refresh(ok.body.refreshToken)).status).toBe(200);
			expect((await refresh(ok.body.refreshToken)).status).toBe(401);
			// BASALT_RATE_LIMIT_LOGIN is 3 per identity: the fourth try is refused.
			const statuses: number[] = [];
			for (let i = 0; i < 4; i++)
				statuses.push((await signIn("zed@example.com", "nope")).status);
			expect(statuses).toEqual([400, 400, 400, 429]);
			const after = await scrape();
			const logins = (s: Scrape, kind: string, outcome: string) =>
				s.value("basalt_auth_logins_total", { kind, outcome });
			expect(
				logins(after, "account", "success") -
					logins(before, "account", "success"),
			).toBe(1);
			// ann's wrong password and zed's three counted tries; the refused one never ran.
			expect(
				logins(after, "account", "failure") -
					logins(before, "account", "failure"),
			).toBe(4);
			expect(
				logins(after, "superuser", "failure") -
					logins(before, "superuser", "failure"),
			).toBe(1);
			expect(
				after.value("basalt_auth_refresh_reuse_total") -
					before.value("basalt_auth_refresh_reuse_total"),
			).toBe(1);
			const limited = (s: Scrape) =>
				s.value("basalt_rate_limited_total", { limit: "login" });
			expect(limited(after) - limited(before)).toBe(1);
		});

		it("counts cache hits and misses by cache and collection", async () => {
			const id = await signUp("cat@example.com");
			const session = await signIn("cat@example.com");
			const before = await scrape();
			for (let i = 0; i < 3; i++) {
				const res = await t().request(
					"GET",
					`/api/v1/collections/users/records/${id}`,
					{ token: session.body.token },
				);
				expect(res.status).toBe(200);
			}
			const after = await scrape();
			const lookups = (s: Scrape, cache: string, result: string) =>
				s.value("basalt_cache_requests_total", {
					cache,
					collection: "users",
					result,
				});
			const moved = (cache: string, result: string) =>
				lookups(after, cache, result) - lookups(before, cache, result);
			// The first request verifies the new token and reads the account; the
			// next two find both cached. The view query is compiled once for cat.
			expect(moved("access_token", "miss")).toBe(1);
			expect(moved("access_token", "hit")).toBe(2);
			expect(moved("account", "miss")).toBe(1);
			expect(moved("account", "hit")).toBe(2);
			expect(moved("view_query", "miss")).toBe(1);
			expect(moved("view_query", "hit")).toBe(2);
		});

		it("times database statements by operation and dialect", async () => {
			const before = await scrape();
			await signUp("dan@example.com");
			const after = await scrape();
			const labels = (operation: string) => ({
				operation,
				dialect: t().dialect,
			});
			for (const operation of ["insert", "select"])
				expect(
					after.count("basalt_db_query_duration_seconds", labels(operation)),
				).toBeGreaterThan(
					before.count("basalt_db_query_duration_seconds", labels(operation)),
				);
			expect(after.types.get("basalt_db_query_duration_seconds")).toBe(
				"HISTOGRAM",
			);
		});

		it("counts statements at or above BASALT_SLOW_QUERY_MS as slow", async () => {
			const slow = (s: Scrape) =>
				s.value("basalt_db_slow_queries_total", {
					operation: "other",
					dialect: t().dialect,
				});
			const before = await scrape();
			// Half a million rows of a recursive CTE: far above the suite's 5 ms on
			// either database. A WITH statement's operation is "other".
			await sql`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000) SELECT count(*) AS n FROM c`.execute(
				t().app.db.kysely,
			);
			const after = await scrape();
			expect(after.types.get("basalt_db_slow_queries_total")).toBe("COUNTER");
			expect(slow(after) - slow(before)).toBeGreaterThanOrEqual(1);
		});

		it("counts jobs enqueued, completed, retried and failed, and times them", async () => {
			await checkJobMetrics(t());
		});

		it("exports process metrics and event-loop lag under their standard names", async () => {
			const s = await scrape();
			for (const name of [
				"process_resident_memory_bytes",
				"nodejs_eventloop_lag_p99_seconds",
				"nodejs_heap_size_used_bytes",
			])
				expect(s.types.has(name), name).toBe(true);
		});

		it("counts the request log's rows written and waiting", async () => {
			await t().app.requestLogs.flush();
			const before = await scrape();
			const written = before.value("basalt_request_log_rows_total", {
				result: "written",
			});
			await t().request("GET", "/api/v1/collections/nope/records");
			expect(
				(await scrape()).value("basalt_request_log_buffered"),
			).toBeGreaterThanOrEqual(1);
			await t().app.requestLogs.flush();
			const after = await scrape();
			expect(
				after.value("basalt_request_log_rows_total", { result: "written" }),
			).toBeGreaterThan(written);
			expect(after.value("basalt_request_log_buffered")).toBe(0);
			expect(
				after.value("basalt_request_log_rows_total", { result: "dropped" }),
			).toBe(0);
		});

		// Last: a draining App stays not ready.
		it("reports readiness as basalt_ready, 0 once the App drains", async () => {
			expect((await scrape()).value("basalt_ready")).toBe(1);
			t().app.beginDrain();
			expect((await scrape()).value("basalt_ready")).toBe(0);
		});
	},
	{
		BASALT_METRICS_TOKEN: METRICS_TOKEN,
		BASALT_RATE_LIMIT_LOGIN: "3/15m",
		BASALT_JOB_POLL_MS: "20",
		BASALT_JOB_BACKOFF_MS: "1",
		BASALT_SLOW_QUERY_MS: "5",
		BASALT_REQUEST_LOG_SAMPLE: "1",
	},
);

it("tells loopback addresses from others", () => {
	for (const ip of ["127.0.0.1", "127.255.0.1", "::1", "::ffff:127.0.0.1"])
		expect(isLoopbackHost(ip), ip).toBe(true);
	for (const ip of [
		"203.0.113.9",
		"10.0.0.1",
		"::2",
		"::ffff:10.0.0.1",
		"128.0.0.1",
	])
		expect(isLoopbackHost(ip), ip).toBe(false);
});

describeEachDialect(
	"metrics turned off",
	(t) => {
		it("serves no /metrics and hears no statements with BASALT_METRICS=false", async () => {
			const res = await t().request("GET", "/metrics");
			expect(res.status).toBe(404);
			await t().request("GET", "/api/v1/collections", { token: "superuser" });
			const text = await t().app.metrics.registry.metrics();
			for (const name of [
				"basalt_http_requests_total",
				"basalt_db_query_duration_seconds_count",
			])
				for (const line of text.split("\n"))
					if (line.startsWith(name)) expect(line, line).toMatch(/ 0$/);
		});
	},
	{ BASALT_METRICS: "false" },
);
