import { beforeAll, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { makeApiKey, signUp } from "../helpers/machine-access.js";

/** A filter value that must stay a bound parameter, never text in the SQL. */
const VALUE = "zq-explain-7730";

describeEachDialect("GET /api/v1/collections/{c}/explain", (t) => {
	const explain = (query: string, token = "superuser") =>
		t().request("GET", `/api/v1/collections/notes/explain?${query}`, { token });
	const filter = (expression: string) =>
		`filter=${encodeURIComponent(expression)}`;

	beforeAll(async () => {
		const created = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				type: "base",
				name: "notes",
				fields: [
					{ name: "title", type: "text" },
					{ name: "code", type: "text" },
				],
				indexes: [{ fields: ["code"], unique: true }],
				rules: { list: "", view: "", create: "", update: null, delete: null },
			},
		});
		expect(created.status, created.text).toBe(201);
		for (let i = 0; i < 50; i++) {
			const res = await t().request(
				"POST",
				"/api/v1/collections/notes/records",
				{
					body: { title: `note ${i}`, code: `c${i}` },
				},
			);
			expect(res.status, res.text).toBe(201);
		}
	});

	it("reports an index for a filter on the id and on a unique field", async () => {
		for (const expression of [`id = "${VALUE}"`, `code = "${VALUE}"`]) {
			const res = await explain(filter(expression));
			expect(res.status, res.text).toBe(200);
			expect(res.body, expression).toMatchObject({
				usesIndex: true,
				fullScan: false,
				indexes: [expect.any(String)],
			});
			expect(res.body.hint).toContain("no index is missing");
			expect(res.body.plan).toBeDefined();
		}
	});

	it("reports a full scan with a hint for a filter on an unindexed field", async () => {
		const res = await explain(filter(`title = "${VALUE}"`));
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({ fullScan: true, usesIndex: false });
		expect(res.body.hint).toContain('an index on "title"');
	});

	it("binds the filter value: it never appears in the returned SQL", async () => {
		const res = await explain(filter(`title = "${VALUE}" && code != "x"`));
		expect(res.status, res.text).toBe(200);
		expect(res.body.sql).toMatch(/SELECT r\.\* FROM "notes" AS r WHERE/);
		expect(res.body.sql).not.toContain(VALUE);
		// The plan may echo the caller's own value (PostgreSQL's custom plan): that is
		// the superuser's input, not another record's data.
	});

	it("plans exactly the list's statement, sort included", async () => {
		const res = await explain("sort=-title");
		expect(res.status, res.text).toBe(200);
		expect(res.body.sql).toMatch(/ORDER BY .*"title" DESC/);
		expect(res.body.hint).toContain('an index on "title"');
	});

	it("answers a bad filter with the same 400 as the list", async () => {
		for (const bad of [filter("title ="), filter("nope = 1"), "sort=nope"]) {
			const list = await t().request(
				"GET",
				`/api/v1/collections/notes/records?${bad}`,
				{ token: "superuser" },
			);
			const res = await explain(bad);
			expect(res.status).toBe(400);
			expect(res.body).toEqual(
				expect.objectContaining({
					code: list.body.code,
					detail: list.body.detail,
					status: 400,
				}),
			);
		}
	});

	it("is for superusers: 401 for guests, 403 for accounts, 404 for no collection", async () => {
		expect((await explain("", "")).status).toBe(401);
		const account = await signUp(t(), "reader@example.com");
		const forbidden = await explain("", account.token);
		expect(forbidden.status).toBe(403);
		expect(forbidden.body.code).toBe("SUPERUSER_REQUIRED");
		const missing = await t().request(
			"GET",
			"/api/v1/collections/nope/explain",
			{ token: "superuser" },
		);
		expect(missing.status).toBe(404);
	});

	it("needs collections:read (or admin) of an API key", async () => {
		const without = await makeApiKey(t(), t().superuserToken, ["jobs"]);
		const denied = await explain("", without);
		expect(denied.status).toBe(403);
		expect(denied.body.code).toBe("INSUFFICIENT_SCOPE");
		const reader = await makeApiKey(t(), t().superuserToken, [
			"collections:read",
		]);
		expect((await explain("", reader)).status).toBe(200);
	});
});
