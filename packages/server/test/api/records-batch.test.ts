import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	type ApiRecord,
	allRecords,
	createCollection,
	createRecord,
	expectProblem,
	openRules,
	recordsUrl,
	superusersOnlyRules,
} from "../helpers/records-api.js";
import type { TestApp, TestResponse } from "../helpers/test-app.js";

const open = openRules;
const superusersOnly = superusersOnlyRules;

interface SubRequest {
	method: string;
	url: string;
	body?: Record<string, unknown>;
	headers?: Record<string, string>;
}

const url = (collection: string, id?: string) => recordsUrl(collection, {}, id);

function batch(
	app: TestApp,
	requests: SubRequest[],
	caller: "superuser" | "guest" = "superuser",
): Promise<TestResponse> {
	return app.request("POST", "/api/v1/batch", {
		body: { requests },
		...(caller === "superuser" ? { token: caller } : {}),
	});
}

/** Every record of the batch collections, to prove a failed batch wrote nothing. */
async function snapshot(app: TestApp): Promise<ApiRecord[][]> {
	return [await allRecords(app, "b_open"), await allRecords(app, "b_admin")];
}

describeEachDialect("records batch", (t) => {
	let keep: ApiRecord;
	let doomed: ApiRecord;

	beforeAll(async () => {
		const app = t();
		await createCollection(app, {
			name: "b_open",
			fields: [
				{ name: "name", type: "text", required: true },
				{ name: "code", type: "text" },
			],
			indexes: [{ fields: ["code"], unique: true }],
			rules: { ...open, create: '@request.body.name !~ "forbidden"' },
		});
		await createCollection(app, {
			name: "b_admin",
			fields: [{ name: "name", type: "text", required: true }],
			rules: superusersOnly,
		});
		keep = await createRecord(app, "b_open", { name: "keep", code: "K" });
		doomed = await createRecord(app, "b_open", { name: "doomed" });
	});

	it("runs creates, updates and deletes across collections in one call", async () => {
		const app = t();
		const extra = await createRecord(app, "b_open", { name: "extra" });
		const res = await batch(app, [
			{ method: "POST", url: url("b_open"), body: { name: "one", code: "B1" } },
			{ method: "POST", url: url("b_admin"), body: { name: "admin" } },
			{ method: "PATCH", url: url("b_open", extra.id), body: { code: "X" } },
			{ method: "PUT", url: url("b_open", extra.id), body: { name: "put" } },
			{ method: "DELETE", url: url("b_open", extra.id) },
		]);
		expect(res.status, res.text).toBe(200);
		const responses = res.body.responses as {
			status: number;
			body: ApiRecord;
		}[];
		expect(responses.map((r) => r.status)).toEqual([201, 201, 200, 200, 204]);
		expect(responses[0]?.body).toMatchObject({ name: "one", code: "B1" });
		expect(responses[2]?.body).toMatchObject({ name: "extra", code: "X" });
		expect(responses[3]?.body).toMatchObject({ name: "put", code: null });
		expect(responses[4]?.body).toBeNull();
		const created = responses[0]?.body as ApiRecord;
		const view = await app.request("GET", url("b_open", created.id));
		expect(view.body).toEqual(created);
		const admin = await app.request(
			"GET",
			url("b_admin", responses[1]?.body.id),
			{
				token: "superuser",
			},
		);
		expect(admin.body.name).toBe("admin");
		const gone = await app.request("GET", url("b_open", extra.id));
		expect(gone.status).toBe(404);
	});

	describe("all or nothing", () => {
		it.each([
			[
				"a validation failure",
				{ method: "POST", url: url("b_open"), body: { code: "nameless" } },
				422,
				"VALIDATION_FAILED",
			],
			[
				"a unique violation",
				{
					method: "POST",
					url: url("b_open"),
					body: { name: "dup", code: "K" },
				},
				409,
				"UNIQUE_VIOLATION",
			],
			[
				"a missing record",
				{
					method: "PATCH",
					url: url("b_open", "0190f5f0-0000-7000-8000-000000000000"),
					body: { name: "x" },
				},
				404,
				"RECORD_NOT_FOUND",
			],
			[
				"an unknown field",
				{ method: "POST", url: url("b_open"), body: { name: "x", nope: 1 } },
				400,
				"UNKNOWN_FIELD",
			],
			[
				"an unknown collection",
				{ method: "POST", url: url("b_nope"), body: { name: "x" } },
				404,
				"COLLECTION_NOT_FOUND",
			],
		])(
			"answers %s at index 2 with its problem and writes nothing",
			async (_name, failing, status, code) => {
				const app = t();
				const before = await snapshot(app);
				const res = await batch(app, [
					{ method: "POST", url: url("b_open"), body: { name: "w0" } },
					{
						method: "PATCH",
						url: url("b_open", keep.id),
						body: { name: "k2" },
					},
					failing,
					{ method: "DELETE", url: url("b_open", doomed.id) },
				]);
				const problem = expectProblem(res, status, code);
				expect(problem.index).toBe(2);
				expect(await snapshot(app)).toEqual(before);
			},
		);

		it("rolls back a unique violation between two writes of the batch", async () => {
			const app = t();
			const before = await snapshot(app);
			const res = await batch(app, [
				{
					method: "POST",
					url: url("b_open"),
					body: { name: "a", code: "same" },
				},
				{
					method: "POST",
					url: url("b_open"),
					body: { name: "b", code: "same" },
				},
			]);
			const problem = expectProblem(res, 409, "UNIQUE_VIOLATION");
			expect(problem.index).toBe(1);
			expect(problem.errors).toHaveProperty("code");
			expect(res.text).not.toContain('"same"');
			expect(await snapshot(app)).toEqual(before);
		});

		it("honours If-Match in a sub-request", async () => {
			const app = t();
			const before = await snapshot(app);
			const res = await batch(app, [
				{ method: "POST", url: url("b_open"), body: { name: "w0" } },
				{
					method: "PATCH",
					url: url("b_open", keep.id),
					body: { name: "changed" },
					headers: { "If-Match": '"stale"' },
				},
			]);
			expect(expectProblem(res, 412, "PRECONDITION_FAILED").index).toBe(1);
			expect(await snapshot(app)).toEqual(before);
		});
	});

	describe("rules per sub-request", () => {
		it("refuses a guest batch that writes a superuser-only collection", async () => {
			const app = t();
			const before = await snapshot(app);
			const res = await batch(
				app,
				[
					{ method: "POST", url: url("b_open"), body: { name: "guest" } },
					{ method: "POST", url: url("b_admin"), body: { name: "guest" } },
				],
				"guest",
			);
			expect(expectProblem(res, 401, "AUTH_REQUIRED").index).toBe(1);
			expect(await snapshot(app)).toEqual(before);
		});

		it("applies a create rule to each sub-request's own body", async () => {
			const app = t();
			const before = await snapshot(app);
			const res = await batch(
				app,
				[
					{ method: "POST", url: url("b_open"), body: { name: "allowed" } },
					{ method: "POST", url: url("b_open"), body: { name: "forbidden" } },
				],
				"guest",
			);
			expect(expectProblem(res, 403, "RULE_DENIED").index).toBe(1);
			expect(await snapshot(app)).toEqual(before);
			const ok = await batch(
				app,
				[{ method: "POST", url: url("b_open"), body: { name: "allowed" } }],
				"guest",
			);
			expect(ok.status, ok.text).toBe(200);
			expect(ok.body.responses[0].body.name).toBe("allowed");
		});

		it("lets a superuser through every rule", async () => {
			const res = await batch(t(), [
				{ method: "POST", url: url("b_open"), body: { name: "forbidden" } },
				{ method: "POST", url: url("b_admin"), body: { name: "root" } },
			]);
			expect(res.status, res.text).toBe(200);
		});
	});

	describe("invalid batches", () => {
		it.each([
			["a non-record URL", "POST", "/api/v1/collections"],
			["another API version", "POST", "/api/v2/collections/b_open/records"],
			["a query string", "POST", `${url("b_open")}?expand=x`],
			["POST with an id", "POST", url("b_open", keep?.id ?? "x")],
			["PATCH without an id", "PATCH", url("b_open")],
			["DELETE without an id", "DELETE", url("b_open")],
			["a bad escape", "DELETE", `${url("b_open")}/%E0%A4%A`],
		])("refuses %s with 400 INVALID_BATCH", async (_name, method, target) => {
			const before = await snapshot(t());
			const res = await batch(t(), [
				{ method: "POST", url: url("b_open"), body: { name: "w0" } },
				{ method, url: target, body: {} },
			]);
			expect(expectProblem(res, 400, "INVALID_BATCH").index).toBe(1);
			expect(await snapshot(t())).toEqual(before);
		});

		it.each([
			["no requests", { requests: [] }],
			["a GET", { requests: [{ method: "GET", url: url("b_open") }] }],
			["a missing url", { requests: [{ method: "POST" }] }],
			["an unknown member", { requests: [], extra: true }],
			[
				"more than 1,000 requests",
				{
					requests: Array.from({ length: 1001 }, () => ({
						method: "POST",
						url: url("b_open"),
						body: { name: "many" },
					})),
				},
			],
		])("refuses %s with 400", async (_name, body) => {
			const before = await snapshot(t());
			const res = await t().request("POST", "/api/v1/batch", {
				body,
				token: "superuser",
			});
			expect(res.status, res.text).toBe(400);
			expect(res.body.code).toMatch(/^(INVALID_BODY|UNKNOWN_FIELD)$/);
			expect(await snapshot(t())).toEqual(before);
		});

		it("accepts exactly 1,000 requests", async () => {
			const requests = Array.from({ length: 1000 }, (_, i) => ({
				method: "POST",
				url: url("b_admin"),
				body: { name: `bulk ${i}` },
			}));
			const res = await batch(t(), requests);
			expect(res.status, res.text).toBe(200);
			expect(res.body.responses).toHaveLength(1000);
		});
	});
});
