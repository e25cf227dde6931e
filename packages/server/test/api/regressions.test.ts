import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

// Each test pins a bug found by the first round of tests; the name says which.
describeEachDialect("regressions", (t) => {
	it("setup: a collection with text, date and integer fields", async () => {
		const res = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "things",
				fields: [
					{ name: "label", type: "text" },
					{ name: "day", type: "date" },
					{ name: "count", type: "number", integer: true },
				],
				indexes: [{ name: "things_label", fields: ["label"] }],
				rules: { list: "", view: "", create: "", update: null, delete: null },
			},
		});
		expect(res.status, res.text).toBe(201);
	});

	it("answers a badly percent-encoded path with problem+json (was Fastify's raw JSON)", async () => {
		const res = await t().request(
			"GET",
			"/api/v1/collections/things/records/%E0%A4%A",
		);
		expect(res.status).toBe(400);
		expect(res.headers["content-type"]).toContain("application/problem+json");
		expect(res.body.code).toBe("INVALID_URL");
		expect(res.body.requestId).toBe(res.headers["x-request-id"]);
	});

	// Found by test/fuzz/api-fuzz.test.ts: PostgreSQL text cannot hold NUL, and every
	// lookup by a path id (records, API keys, webhooks, jobs, …) failed with a 500.
	it("answers %00 in a path segment or a query value with 400, not 500 on PostgreSQL", async () => {
		for (const [method, url, code] of [
			["GET", "/api/v1/collections/things/records/a%00b", "INVALID_URL"],
			["PATCH", "/api/v1/collections/things/records/%00", "INVALID_URL"],
			["DELETE", "/api/v1/api-keys/a%00b", "INVALID_URL"],
			["GET", "/api/v1/webhooks/a%00b", "INVALID_URL"],
			["GET", "/api/v1/jobs/a%00b", "INVALID_URL"],
			["GET", "/api/v1/api-keys?ownerId=a%00b", "INVALID_QUERY"],
		] as const) {
			const res = await t().request(method, url, {
				token: "superuser",
				...(method === "PATCH" ? { body: { label: "x" } } : {}),
			});
			expect(res.status, `${method} ${url}: ${res.text}`).toBe(400);
			expect(res.body.code).toBe(code);
		}
	});

	// Found by test/security/sql-injection.test.ts: jsonb and text refuse NUL, so a
	// collection definition, an API key or OAuth client name holding one was a 500.
	it("answers NUL in a body member outside a record's fields with 400 INVALID_BODY", async () => {
		for (const [url, body, at] of [
			[
				"/api/v1/collections",
				{
					name: "nul",
					fields: [{ name: "a", type: "select", values: ["x\u0000"] }],
				},
				"fields.0.values.0",
			],
			["/api/v1/oauth/clients", { name: "a\u0000b", scopes: ["jobs"] }, "name"],
			["/api/v1/api-keys", { name: "\u0000", scopes: ["jobs"] }, "name"],
		] as const) {
			const res = await t().request("POST", url, { token: "superuser", body });
			expect(res.status, `${url}: ${res.text}`).toBe(400);
			expect(res.body.code).toBe("INVALID_BODY");
			expect(res.body.errors?.[at]?.code, res.text).toBe("INVALID_VALUE");
		}
		// A record's text field keeps its own 422 (docs/errors.md, INVALID_FORMAT).
		const record = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{
				body: { label: "a\u0000b" },
			},
		);
		expect(record.status).toBe(422);
		expect(record.body.errors?.label?.code).toBe("INVALID_FORMAT");
	});

	// Found by test/security/sql-injection.test.ts: PostgreSQL refuses a column named
	// like one of its system columns, and the CREATE TABLE failed with a 500.
	it("refuses PostgreSQL's system column names as field names with 422", async () => {
		for (const name of ["ctid", "xmin", "XMAX", "tableoid"]) {
			const res = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body: { name: "sys_columns", fields: [{ name, type: "text" }] },
			});
			expect(res.status, `${name}: ${res.text}`).toBe(422);
			expect(res.body.errors?.["fields.0.name"]?.code).toBe("RESERVED_NAME");
		}
	});

	// Found by test/fuzz/api-fuzz.test.ts: year 0000 parsed, and PostgreSQL (which has
	// no year 0) failed on the filter or the write with a 500.
	it("refuses a date outside the years 0001 to 9999 in a filter (400) and a write (422)", async () => {
		const filter = encodeURIComponent('day > "0000-01-01T00:00:00Z"');
		const listed = await t().request(
			"GET",
			`/api/v1/collections/things/records?filter=${filter}`,
		);
		expect(listed.status, listed.text).toBe(400);
		expect(listed.body.code).toBe("INVALID_FILTER");
		const written = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{
				body: { day: "0000-01-01" },
			},
		);
		expect(written.status, written.text).toBe(422);
		expect(written.body.errors?.day?.code).toBe("INVALID_FORMAT");
	});

	// Found by test/fuzz/api-fuzz.test.ts (its OpenAPI conformance check): sign-up took
	// "zoë@bücher.example", which the document's `email` format refuses, and whose
	// owner then got a 400 from the password-reset request.
	it("signs up only the email addresses the email flows and the document accept", async () => {
		const password = "a long enough password";
		const refused = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{
				body: {
					email: "zoë@bücher.example",
					password,
					passwordConfirm: password,
				},
			},
		);
		expect(refused.status, refused.text).toBe(422);
		expect(refused.body.errors?.email?.code).toBe("INVALID_FORMAT");
		const reset = await t().request(
			"POST",
			"/api/v1/collections/users/auth/request-password-reset",
			{ body: { email: "zoë@bücher.example" } },
		);
		expect(reset.status).toBe(400);
		const taken = await t().request(
			"POST",
			"/api/v1/collections/users/records",
			{
				body: {
					email: "zoe@xn--bcher-kva.example",
					password,
					passwordConfirm: password,
				},
			},
		);
		expect(taken.status, taken.text).toBe(201);
	});

	// Found by test/fuzz/api-fuzz.test.ts (its OpenAPI conformance check): a DELETE or
	// a body-less POST sent with a CSV body is a 415, which the document did not list.
	// t().request checks every answer against the live document.
	it("documents the 415 of a body of another type on routes that take none", async () => {
		const created = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{
				body: { label: "doomed" },
			},
		);
		const url = `/api/v1/collections/things/records/${created.body.id}`;
		const res = await t().request("DELETE", url, {
			body: "label\nx",
			headers: { "content-type": "text/csv" },
		});
		expect(res.status, res.text).toBe(415);
		expect(res.body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
		const logout = await t().request("POST", "/api/v1/auth/logout-all", {
			token: "superuser",
			body: "x",
			headers: { "content-type": "text/csv" },
		});
		expect(logout.status, logout.text).toBe(415);
	});

	it("answers an overlong path segment with 414 and a merely long id with 404", async () => {
		const huge = await t().request(
			"GET",
			`/api/v1/collections/things/records/${"a".repeat(300)}`,
		);
		expect(huge.status).toBe(414);
		expect(huge.body.code).toBe("URL_TOO_LONG");
		expect(huge.body.instance.length).toBeLessThanOrEqual(256);
		const long = await t().request(
			"GET",
			`/api/v1/collections/things/records/${"a".repeat(200)}`,
		);
		expect(long.status).toBe(404);
		expect(long.body.code).toBe("RECORD_NOT_FOUND");
	});

	it("folds case beyond ASCII in ~ on both dialects (SQLite's LIKE folds ASCII only)", async () => {
		const created = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{ body: { label: "Éclair" } },
		);
		expect(created.status).toBe(201);
		const filter = encodeURIComponent('label ~ "éCL"');
		const res = await t().request(
			"GET",
			`/api/v1/collections/things/records?filter=${filter}`,
		);
		expect(res.body.items.map((r: { label: string }) => r.label)).toEqual([
			"Éclair",
		]);
		const none = await t().request(
			"GET",
			`/api/v1/collections/things/records?filter=${encodeURIComponent('label !~ "ÉCLAIR"')}`,
		);
		expect(
			none.body.items.map((r: { label: string }) => r.label),
		).not.toContain("Éclair");
	});

	it("refuses ~ on number and date fields, whose text forms differ between databases", async () => {
		for (const filter of ['count ~ "5"', 'day ~ "2026"', 'created !~ "Z"']) {
			const res = await t().request(
				"GET",
				`/api/v1/collections/things/records?filter=${encodeURIComponent(filter)}`,
			);
			expect(res.status, filter).toBe(400);
			expect(res.body.code, filter).toBe("INVALID_FILTER");
		}
	});

	it("accepts a date-only value on write, as filters do", async () => {
		const res = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{ body: { day: "2026-03-01" } },
		);
		expect(res.status, res.text).toBe(201);
		expect(res.body.day).toBe("2026-03-01T00:00:00.000Z");
		const bad = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{ body: { day: "2026-02-31" } },
		);
		expect(bad.status).toBe(422);
		expect(bad.body.errors.day.code).toBe("INVALID_FORMAT");
	});

	it("calls a string in an integer field a type error, not a fraction", async () => {
		const text = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{ body: { count: "5" } },
		);
		expect(text.body.errors.count.code).toBe("INVALID_TYPE");
		const fraction = await t().request(
			"POST",
			"/api/v1/collections/things/records",
			{ body: { count: 5.5 } },
		);
		expect(fraction.body.errors.count.code).toBe("NOT_AN_INTEGER");
	});

	it("keeps guests' idempotency keys apart by address", async () => {
		const send = (ip: string) =>
			t().server.inject({
				method: "POST",
				url: "/api/v1/collections/things/records",
				payload: { label: "same body" },
				headers: { "idempotency-key": "guest-key-1" },
				remoteAddress: ip,
			});
		const first = await send("10.0.0.1");
		const other = await send("10.0.0.2");
		const again = await send("10.0.0.1");
		expect(first.statusCode).toBe(201);
		expect(other.json().id).not.toBe(first.json().id);
		expect(again.json().id).toBe(first.json().id);
		expect(again.headers["idempotency-replayed"]).toBe("true");
	});

	it("refuses index and collection names that clash with existing ones with 422, not 500", async () => {
		const clashes = [
			{
				name: "other1",
				fields: [{ name: "x", type: "text" }],
				indexes: [{ name: "things_label", fields: ["x"] }],
			},
			{
				name: "other2",
				fields: [{ name: "x", type: "text" }],
				indexes: [{ name: "things", fields: ["x"] }],
			},
			{ name: "things_label", fields: [{ name: "x", type: "text" }] },
		];
		for (const body of clashes) {
			const res = await t().request("POST", "/api/v1/collections", {
				token: "superuser",
				body,
			});
			expect(res.status, body.name).toBe(422);
			expect(res.body.code, body.name).toBe("INVALID_SCHEMA");
		}
		const list = await t().request("GET", "/api/v1/collections", {
			token: "superuser",
		});
		expect(list.body.items.map((c: { name: string }) => c.name)).toEqual([
			"things",
			"users",
		]);
	});

	it("refuses a schema change that would break another collection's rule (was a 400 on every later read)", async () => {
		const su = { token: "superuser" as const };
		const flags = await t().request("POST", "/api/v1/collections", {
			...su,
			body: { name: "flags", fields: [{ name: "on", type: "bool" }] },
		});
		expect(flags.status).toBe(201);
		const gated = await t().request("POST", "/api/v1/collections", {
			...su,
			body: {
				name: "gated",
				fields: [{ name: "title", type: "text" }],
				rules: { list: "@collection.flags.on ?= true" },
			},
		});
		expect(gated.status, gated.text).toBe(201);
		const onField = flags.body.fields[0].id;
		const drop = await t().request("PATCH", "/api/v1/collections/flags", {
			...su,
			body: { fields: [] },
		});
		expect(drop.status).toBe(422);
		expect(drop.body.errors["gated.rules.list"].code).toBe("INVALID_RULE");
		const rename = await t().request("PATCH", "/api/v1/collections/flags", {
			...su,
			body: { fields: [{ id: onField, name: "enabled", type: "bool" }] },
		});
		expect(rename.status).toBe(422);
		const list = await t().request("GET", "/api/v1/collections/gated/records");
		expect(list.status).toBe(200);
	});
});
