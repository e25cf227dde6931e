import { expect, it } from "vitest";
import { PURGE_JOB } from "../../src/core/jobs/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { makeApiKey, signUp } from "../helpers/machine-access.js";
import type { TestApp } from "../helpers/test-app.js";

const su = { token: "superuser" } as const;

async function rowsOf(t: TestApp, requestId: string) {
	return t.app.db.kysely
		.selectFrom("_request_logs")
		.selectAll()
		.where("request_id", "=", requestId)
		.execute();
}

/** Inserts request log rows as the writer stores them, at fixed times. */
async function insertRows(
	t: TestApp,
	rows: {
		created: string;
		status: number;
		durationMs: number;
		route?: string;
		callerKind?: string;
	}[],
) {
	await t.app.db.kysely
		.insertInto("_request_logs")
		.values(
			rows.map((r) => ({
				id: t.app.newId(),
				created: r.created,
				method: "GET",
				route: r.route ?? "/api/v1/known",
				status: r.status,
				duration_ms: r.durationMs,
				caller_kind: r.callerKind ?? "guest",
				caller_id: null,
				ip: "192.0.2.1",
				user_agent: "known",
				request_id: `known-${r.created}-${r.durationMs}`,
				weight: 1,
			})),
		)
		.execute();
}

/** Runs the built-in purge job once on the App's own worker. */
async function runPurge(t: TestApp): Promise<Record<string, number>> {
	const job = await t.app.jobs.enqueue({ name: PURGE_JOB, payload: null });
	t.app.jobs.startWorker();
	for (let i = 0; i < 500; i++) {
		const current = await t.app.jobs.get(job.id);
		if (current.status === "completed")
			return current.result as Record<string, number>;
		if (current.status === "failed") throw new Error(String(current.lastError));
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error("the purge job did not finish");
}

describeEachDialect(
	"request log table",
	(t) => {
		it("buffers rows off the request path and writes them on flush, skipping probes", async () => {
			const res = await t().request("GET", "/api/v1/collections", {
				...su,
				headers: {
					"x-request-id": "req-buffered-1",
					"user-agent": "test-agent",
				},
			});
			expect(res.status).toBe(200);
			await t().request("GET", "/health/live", {
				headers: { "x-request-id": "req-probe-1" },
			});
			// Rows wait for the writer's flush (every second or 500 rows): none is written yet.
			expect(await rowsOf(t(), "req-buffered-1")).toHaveLength(0);
			expect(t().app.requestLogs.counters().buffered).toBeGreaterThan(0);
			await t().app.requestLogs.flush();
			const [row] = await rowsOf(t(), "req-buffered-1");
			expect(row).toMatchObject({
				method: "GET",
				route: "/api/v1/collections",
				status: 200,
				caller_kind: "superuser",
				user_agent: "test-agent",
			});
			expect(row?.caller_id).toBeTypeOf("string");
			expect(await rowsOf(t(), "req-probe-1")).toHaveLength(0);
		});

		it("lists with the records filter language, sort and paging", async () => {
			for (const id of ["req-list-a", "req-list-b", "req-list-c"])
				await t().request("GET", "/api/v1/collections/nope/records", {
					headers: { "x-request-id": id },
				});
			await t().app.requestLogs.flush();
			const filter = encodeURIComponent(
				'requestId ~ "req-list-" && status = 404 && route = "/api/v1/collections/:collection/records"',
			);
			const page1 = await t().request(
				"GET",
				`/api/v1/logs?filter=${filter}&sort=requestId&perPage=2`,
				su,
			);
			expect(page1.status, page1.text).toBe(200);
			expect(page1.body.totalItems).toBe(3);
			expect(page1.body.totalPages).toBe(2);
			expect(
				page1.body.items.map((i: { requestId: string }) => i.requestId),
			).toEqual(["req-list-a", "req-list-b"]);
			expect(page1.body.items[0]).toMatchObject({
				method: "GET",
				status: 404,
				callerKind: "guest",
				callerId: null,
			});
			expect(page1.body.items[0].durationMs).toBeTypeOf("number");
			const page2 = await t().request(
				"GET",
				`/api/v1/logs?filter=${filter}&sort=-requestId&page=2&perPage=2`,
				su,
			);
			expect(
				page2.body.items.map((i: { requestId: string }) => i.requestId),
			).toEqual(["req-list-a"]);
		});

		// Regression (found by the fuzz suite): status is an integer column, and
		// PostgreSQL refused 1.5 or 2^40 bound against it, a 500.
		it("compares an integer column with fractions and numbers past its range", async () => {
			for (const id of ["req-num-a", "req-num-b"])
				await t().request("GET", "/api/v1/collections/nope/records", {
					headers: { "x-request-id": id },
				});
			await t().app.requestLogs.flush();
			const count = async (condition: string) => {
				const filter = encodeURIComponent(
					`requestId ~ "req-num-" && ${condition}`,
				);
				const res = await t().request(
					"GET",
					`/api/v1/logs?filter=${filter}`,
					su,
				);
				expect(res.status, res.text).toBe(200);
				return res.body.totalItems;
			};
			expect(await count("status = 404")).toBe(2);
			expect(await count("1.5 = status")).toBe(0);
			expect(await count("status > 403.5 && status < 404.5")).toBe(2);
			expect(await count("status < 1099511627776")).toBe(2);
			expect(await count("status > -1099511627776.25")).toBe(2);
		});

		// Regression: the documented callerKind enum lacked "client" (OAuth2 client tokens),
		// and the audit's actorKind lacked it too. test-app checks each answer against
		// the live document.
		it("answers as the OpenAPI document says, for every kind of caller", async () => {
			await insertRows(t(), [
				{ created: "2020-05-01T00:00:00.000Z", status: 200, durationMs: 3 },
				...["superuser", "record", "client"].map((callerKind, i) => ({
					created: `2020-05-01T00:00:0${i + 1}.000Z`,
					status: 201,
					durationMs: 1.5,
					callerKind,
				})),
			]);
			const logs = await t().request(
				"GET",
				`/api/v1/logs?filter=${encodeURIComponent('created >= "2020-05-01" && created < "2020-05-02"')}`,
				su,
			);
			expect(
				logs.body.items.map((i: { callerKind: string }) => i.callerKind),
			).toEqual(["client", "record", "superuser", "guest"]);
			await t()
				.app.db.kysely.insertInto("_audit_log")
				.values(
					["client", "system"].map((kind) => ({
						id: t().app.newId(),
						created: "2020-05-01T00:00:00.000Z",
						action: "webhook.created",
						actor_kind: kind,
						actor_id: null,
						collection: null,
						record_id: null,
						ip: null,
						details: JSON.stringify({ events: "*" }),
					})),
				)
				.execute();
			const audit = await t().request("GET", "/api/v1/audit", su);
			expect(
				audit.body.items.map((i: { actorKind: string }) => i.actorKind),
			).toEqual(expect.arrayContaining(["client", "system"]));
		});

		it("answers a bad filter, sort or parameter with 400 problem+json", async () => {
			const syntax = await t().request(
				"GET",
				`/api/v1/logs?filter=${encodeURIComponent("status >")}`,
				su,
			);
			expect(syntax.status).toBe(400);
			expect(syntax.headers["content-type"]).toContain(
				"application/problem+json",
			);
			expect(syntax.body.code).toBe("INVALID_FILTER");
			const unknown = await t().request(
				"GET",
				`/api/v1/logs?filter=${encodeURIComponent('secret = "x"')}`,
				su,
			);
			expect(unknown.status).toBe(400);
			expect(unknown.body.code).toBe("INVALID_FILTER");
			expect(unknown.body.detail).toContain('unknown field "secret"');
			const sort = await t().request("GET", "/api/v1/logs?sort=nope", su);
			expect(sort.status).toBe(400);
			expect(sort.body.code).toBe("INVALID_SORT");
			const cursor = await t().request("GET", "/api/v1/logs?cursor=", su);
			expect(cursor.status).toBe(400);
			const auditBad = await t().request(
				"GET",
				`/api/v1/audit?filter=${encodeURIComponent("action ==")}`,
				su,
			);
			expect(auditBad.status).toBe(400);
			expect(auditBad.body.code).toBe("INVALID_FILTER");
		});

		// Regression (found by test/fuzz/api-fuzz.test.ts): `updated`, a column of every
		// collection but of no system table, was a 500 "no such column: r.updated".
		it("answers `updated` in a filter or sort of the logs or the audit trail with 400", async () => {
			for (const path of ["/api/v1/logs", "/api/v1/audit"]) {
				const filter = await t().request(
					"GET",
					`${path}?filter=${encodeURIComponent('ip != "" && updated > "2020-01-01"')}`,
					su,
				);
				expect(filter.status, filter.text).toBe(400);
				expect(filter.body).toMatchObject({
					code: "INVALID_FILTER",
					position: 12,
				});
				expect(filter.body.detail).toContain('unknown field "updated"');
				const sort = await t().request(
					"GET",
					`${path}?sort=created,-updated`,
					su,
				);
				expect(sort.status, sort.text).toBe(400);
				expect(sort.body).toMatchObject({ code: "INVALID_SORT", position: 8 });
			}
		});

		it("is for superusers only: 401 for guests, 403 for users and keys without admin", async () => {
			for (const path of [
				"/api/v1/logs",
				"/api/v1/logs/stats",
				"/api/v1/audit",
			]) {
				expect((await t().request("GET", path)).status).toBe(401);
			}
			const user = await signUp(t(), "logs-reader@example.com");
			for (const path of [
				"/api/v1/logs",
				"/api/v1/logs/stats",
				"/api/v1/audit",
			]) {
				const res = await t().request("GET", path, { token: user.token });
				expect(res.status).toBe(403);
			}
			const narrow = await makeApiKey(t(), t().superuserToken, ["jobs"]);
			expect(
				(await t().request("GET", "/api/v1/logs", { token: narrow })).status,
			).toBe(403);
			const admin = await makeApiKey(t(), t().superuserToken, ["admin"]);
			expect(
				(await t().request("GET", "/api/v1/logs", { token: admin })).status,
			).toBe(200);
		});

		it("computes per-bucket counts, error rates and nearest-rank percentiles", async () => {
			// 100 requests over 2019-03-01 10:00-10:02: durations 1..100 ms, 90 OK,
			// 5 client errors, 5 server errors; 60 in the first minute, 40 in the second.
			const rows = Array.from({ length: 100 }, (_, i) => ({
				created: new Date(
					Date.UTC(2019, 2, 1, 10, i < 60 ? 0 : 1, i % 60, 0),
				).toISOString(),
				status: i < 5 ? 404 : i < 10 ? 500 : 200,
				durationMs: 100 - i,
			}));
			await insertRows(t(), rows);
			// Outside the range: ignored.
			await insertRows(t(), [
				{ created: "2019-03-01T10:02:00.000Z", status: 500, durationMs: 9999 },
				{ created: "2019-03-01T09:59:59.999Z", status: 500, durationMs: 9999 },
			]);
			const res = await t().request(
				"GET",
				"/api/v1/logs/stats?from=2019-03-01T10:00:00Z&to=2019-03-01T10:02:00Z&interval=1m",
				su,
			);
			expect(res.status, res.text).toBe(200);
			expect(res.body).toMatchObject({
				requests: 100,
				serverErrors: 5,
				clientErrors: 5,
				errorRate: 0.05,
				clientErrorRate: 0.05,
				interval: 60,
				latency: { p50: 50, p95: 95, p99: 99 },
			});
			expect(res.body.buckets).toEqual([
				{
					start: "2019-03-01T10:00:00.000Z",
					requests: 60,
					perMinute: 60,
					serverErrors: 5,
					clientErrors: 5,
				},
				{
					start: "2019-03-01T10:01:00.000Z",
					requests: 40,
					perMinute: 40,
					serverErrors: 0,
					clientErrors: 0,
				},
			]);
			const wide = await t().request(
				"GET",
				"/api/v1/logs/stats?from=2019-03-01T10:00:00Z&to=2019-03-01T10:02:00Z&interval=2m",
				su,
			);
			expect(wide.body.buckets).toHaveLength(1);
			expect(wide.body.buckets[0].perMinute).toBe(50);
			const empty = await t().request(
				"GET",
				"/api/v1/logs/stats?from=2001-01-01T00:00:00Z&to=2001-01-01T00:05:00Z&interval=5m",
				su,
			);
			expect(empty.body).toMatchObject({
				requests: 0,
				errorRate: 0,
				latency: { p50: null, p95: null, p99: null },
			});
		});

		it("refuses bad ranges and intervals with 400", async () => {
			for (const query of [
				"from=2019-03-01T10:02:00Z&to=2019-03-01T10:00:00Z",
				"from=yesterday",
				"from=2019-01-01T00:00:00Z&to=2019-03-01T00:00:00Z&interval=1h",
				"from=2019-03-01T00:00:00Z&to=2019-03-02T00:00:00Z&interval=1s",
				"interval=5x",
				"interval=0m",
				// Regression (found by test/fuzz/api-fuzz.test.ts): years PostgreSQL does
				// not have, given or as the default `from` an hour before `to`, were a 500.
				"to=0000-01-01T00:00:00Z&interval=1d",
				"to=0001-01-01T00:30:00Z",
				"from=9999-12-31T23:00:00-05:00",
			]) {
				const res = await t().request("GET", `/api/v1/logs/stats?${query}`, su);
				expect(res.status, query).toBe(400);
				expect(res.body.code, query).toBe("INVALID_QUERY");
			}
		});

		it("purges request log rows and audit entries past their retention, and nothing newer", async () => {
			const now = t().app.clock().getTime();
			const day = 24 * 3600_000;
			await insertRows(t(), [
				{
					created: new Date(now - 8 * day).toISOString(),
					status: 200,
					durationMs: 1,
					route: "/old",
				},
				{
					created: new Date(now - 6 * day).toISOString(),
					status: 200,
					durationMs: 1,
					route: "/recent",
				},
			]);
			const audit = (created: number, action: string) => ({
				id: t().app.newId(),
				created: new Date(created).toISOString(),
				action,
				actor_kind: "system",
			});
			await t()
				.app.db.kysely.insertInto("_audit_log")
				.values([
					audit(now - 91 * day, "test.old"),
					audit(now - 89 * day, "test.recent"),
				])
				.execute();
			const result = await runPurge(t());
			expect(result.requestLogs).toBeGreaterThanOrEqual(1);
			const routes = (
				await t()
					.app.db.kysely.selectFrom("_request_logs")
					.select("route")
					.execute()
			).map((r) => r.route);
			expect(routes).not.toContain("/old");
			expect(routes).toContain("/recent");
			const actions = (
				await t()
					.app.db.kysely.selectFrom("_audit_log")
					.select("action")
					.execute()
			).map((r) => r.action);
			expect(actions).not.toContain("test.old");
			expect(actions).toContain("test.recent");
		});
	},
	{ BASALT_REQUEST_LOG_SAMPLE: "1", BASALT_JOB_POLL_MS: "20" },
);

describeEachDialect(
	"request log sampling at 0",
	(t) => {
		it("keeps every server error and no other request", async () => {
			await t().request("GET", "/api/v1/collections", {
				...su,
				headers: { "x-request-id": "req-sampled-out" },
			});
			t().app.requestLogs.add({
				method: "POST",
				route: "/api/v1/boom",
				status: 503,
				durationMs: 3,
				callerKind: "guest",
				callerId: undefined,
				ip: "192.0.2.9",
				userAgent: undefined,
				requestId: "req-server-error",
			});
			await t().app.requestLogs.flush();
			expect(await rowsOf(t(), "req-sampled-out")).toHaveLength(0);
			expect(await rowsOf(t(), "req-server-error")).toHaveLength(1);
		});
	},
	{ BASALT_REQUEST_LOG_SAMPLE: "0" },
);
