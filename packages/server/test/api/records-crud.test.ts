import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	allRecords,
	createCollection,
	createRecord,
	expectProblem,
	ISO_UTC,
	openRules,
	recordsUrl,
	UUID_V7,
} from "../helpers/records-api.js";

const ETAG = /^"[A-Za-z0-9_-]{27}"$/;
const MISSING_ID = "0190f5f0-0000-7000-8000-000000000000";

const postFields = [
	{
		name: "title",
		type: "text",
		required: true,
		min: 2,
		max: 20,
		pattern: "^[A-Za-z ]+$",
	},
	{ name: "views", type: "number", integer: true, min: 0, max: 1000 },
	{ name: "score", type: "number" },
	{ name: "contact", type: "email" },
	{ name: "site", type: "url" },
	{ name: "due", type: "date" },
	{ name: "status", type: "select", values: ["draft", "published"] },
	{ name: "tags", type: "select", values: ["a", "b", "c"], maxSelect: 2 },
	{ name: "author", type: "relation", collection: "crud_authors" },
	{ name: "flag", type: "bool" },
	{ name: "meta", type: "json" },
	{ name: "slug", type: "text" },
];

const open = openRules;

/** Bodies the validator must refuse with 422, naming the field and the reason. */
const invalidBodies: [string, Record<string, unknown>, string, string][] = [
	["missing required", { views: 1 }, "title", "VALUE_REQUIRED"],
	["empty required", { title: "" }, "title", "VALUE_REQUIRED"],
	["text below min", { title: "a" }, "title", "TOO_SHORT"],
	["text above max", { title: "a".repeat(21) }, "title", "TOO_LONG"],
	["pattern", { title: "abc1" }, "title", "PATTERN_MISMATCH"],
	["not an integer", { title: "ok", views: 1.5 }, "views", "NOT_AN_INTEGER"],
	["number below min", { title: "ok", views: -1 }, "views", "TOO_SMALL"],
	["number above max", { title: "ok", views: 1001 }, "views", "TOO_LARGE"],
	["number as string", { title: "ok", score: "5" }, "score", "INVALID_TYPE"],
	["integer as string", { title: "ok", views: "5" }, "views", "INVALID_TYPE"],
	["email", { title: "ok", contact: "nope" }, "contact", "INVALID_FORMAT"],
	[
		"url scheme",
		{ title: "ok", site: "ftp://x.org/" },
		"site",
		"INVALID_FORMAT",
	],
	["url", { title: "ok", site: "not a url" }, "site", "INVALID_FORMAT"],
	["date", { title: "ok", due: "yesterday" }, "due", "INVALID_FORMAT"],
	[
		"impossible date",
		{ title: "ok", due: "2026-02-31" },
		"due",
		"INVALID_FORMAT",
	],
	["select value", { title: "ok", status: "gone" }, "status", "INVALID_OPTION"],
	[
		"maxSelect",
		{ title: "ok", tags: ["a", "b", "c"] },
		"tags",
		"TOO_MANY_VALUES",
	],
	[
		"repeated value",
		{ title: "ok", tags: ["a", "a"] },
		"tags",
		"DUPLICATE_VALUES",
	],
	["relation id", { title: "ok", author: "x" }, "author", "INVALID_FORMAT"],
	[
		"relation target",
		{ title: "ok", author: MISSING_ID },
		"author",
		"RELATION_NOT_FOUND",
	],
	["bool", { title: "ok", flag: "yes" }, "flag", "INVALID_TYPE"],
];

describeEachDialect("records CRUD", (t) => {
	let authorId = "";

	beforeAll(async () => {
		const app = t();
		await createCollection(app, {
			name: "crud_authors",
			fields: [{ name: "name", type: "text" }],
			rules: open,
		});
		await createCollection(app, {
			name: "crud_posts",
			fields: postFields,
			indexes: [{ fields: ["slug"], unique: true }],
			rules: open,
		});
		authorId = (await createRecord(app, "crud_authors", { name: "Ann" })).id;
	});

	describe("create, view, update, replace, delete", () => {
		it("creates with 201, Location and ETag, in the documented shape", async () => {
			const { request } = t();
			const res = await request("POST", recordsUrl("crud_posts"), {
				body: {
					title: "Hello",
					views: 3,
					due: "2026-03-01T10:00:00+02:00",
					tags: ["a", "b"],
					author: authorId,
					meta: { nested: [1, 2] },
				},
			});
			expect(res.status, res.text).toBe(201);
			const record = res.body;
			expect(Object.keys(record).slice(0, 3)).toEqual([
				"id",
				"created",
				"updated",
			]);
			expect(record.id).toMatch(UUID_V7);
			expect(record.created).toMatch(ISO_UTC);
			expect(record.updated).toBe(record.created);
			expect(res.headers.location).toBe(
				`/api/v1/collections/crud_posts/records/${record.id}`,
			);
			expect(res.headers.etag).toMatch(ETAG);
			expect(record).toMatchObject({
				title: "Hello",
				views: 3,
				score: null,
				contact: null,
				due: "2026-03-01T08:00:00.000Z",
				status: null,
				tags: ["a", "b"],
				author: authorId,
				flag: null,
				meta: { nested: [1, 2] },
			});
			const view = await request("GET", String(res.headers.location));
			expect(view.status).toBe(200);
			expect(view.body).toEqual(record);
			expect(view.headers.etag).toBe(res.headers.etag);
		});

		it("PATCH changes only the fields sent", async () => {
			const { request } = t();
			const post = await createRecord(t(), "crud_posts", {
				title: "Patch me",
				views: 1,
				status: "draft",
				tags: ["c"],
			});
			const url = recordsUrl("crud_posts", {}, post.id);
			const res = await request("PATCH", url, { body: { views: 2 } });
			expect(res.status, res.text).toBe(200);
			expect(res.body).toMatchObject({
				id: post.id,
				title: "Patch me",
				views: 2,
				status: "draft",
				tags: ["c"],
				created: post.created,
			});
			expect(res.body.updated >= post.updated).toBe(true);
			const view = await request("GET", url);
			expect(view.body).toEqual(res.body);
			expect(view.headers.etag).toBe(res.headers.etag);
		});

		it("PUT replaces the record: fields left out become empty", async () => {
			const { request } = t();
			const post = await createRecord(t(), "crud_posts", {
				title: "Put me",
				views: 7,
				status: "published",
				tags: ["a"],
				author: authorId,
			});
			const url = recordsUrl("crud_posts", {}, post.id);
			const res = await request("PUT", url, { body: { title: "Replaced" } });
			expect(res.status, res.text).toBe(200);
			expect(res.body).toMatchObject({
				id: post.id,
				title: "Replaced",
				views: null,
				status: null,
				tags: [],
				author: null,
			});
			expectProblem(
				await request("PUT", url, { body: { views: 1 } }),
				422,
				"VALIDATION_FAILED",
			);
		});

		it("DELETE answers 204, then the record is gone (404)", async () => {
			const { request } = t();
			const post = await createRecord(t(), "crud_posts", { title: "Doomed" });
			const url = recordsUrl("crud_posts", {}, post.id);
			const res = await request("DELETE", url);
			expect(res.status).toBe(204);
			expect(res.text).toBe("");
			expectProblem(await request("GET", url), 404, "RECORD_NOT_FOUND");
			expectProblem(await request("DELETE", url), 404, "RECORD_NOT_FOUND");
			expectProblem(
				await request("PATCH", url, { body: { views: 1 } }),
				404,
				"RECORD_NOT_FOUND",
			);
		});

		// Regression (found by test/fuzz/api-fuzz.test.ts): SQLite reports ON DELETE
		// RESTRICT as SQLITE_CONSTRAINT_TRIGGER, which was a 500 instead of this 409.
		it("DELETE of a record a required relation points at is 409 RECORD_IN_USE", async () => {
			const app = t();
			await createCollection(app, {
				name: "crud_quotes",
				fields: [
					{
						name: "author",
						type: "relation",
						collection: "crud_authors",
						required: true,
					},
				],
				rules: open,
			});
			const author = await createRecord(app, "crud_authors", { name: "Bo" });
			await createRecord(app, "crud_quotes", { author: author.id });
			const url = recordsUrl("crud_authors", {}, author.id);
			expectProblem(await app.request("DELETE", url), 409, "RECORD_IN_USE");
			expect((await app.request("GET", url)).status).toBe(200);
		});
	});

	describe("validation", () => {
		it.each(invalidBodies)(
			"refuses %s with 422 naming the field",
			async (_name, body, field, code) => {
				const before = await allRecords(t(), "crud_posts");
				const res = await t().request("POST", recordsUrl("crud_posts"), {
					body,
				});
				const problem = expectProblem(res, 422, "VALIDATION_FAILED");
				expect(problem.errors).toMatchObject({ [field]: { code } });
				expect(await allRecords(t(), "crud_posts")).toEqual(before);
			},
		);

		it("names every bad field of one body", async () => {
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: { title: "x", views: -5, contact: "@" },
			});
			const problem = expectProblem(res, 422, "VALIDATION_FAILED");
			expect(Object.keys(problem.errors as object).sort()).toEqual([
				"contact",
				"title",
				"views",
			]);
		});

		it("refuses a bad PATCH and leaves the record as it was", async () => {
			const { request } = t();
			const post = await createRecord(t(), "crud_posts", {
				title: "Stable",
				views: 5,
			});
			const url = recordsUrl("crud_posts", {}, post.id);
			for (const body of [
				{ views: 5000 },
				{ author: MISSING_ID },
				{ title: null },
			]) {
				const res = await request("PATCH", url, { body });
				expect(res.status, res.text).toBe(422);
			}
			expect((await request("GET", url)).body).toEqual(post);
		});
	});

	describe("malformed input", () => {
		it("refuses unknown fields with 400 UNKNOWN_FIELD", async () => {
			const { request } = t();
			const res = await request("POST", recordsUrl("crud_posts"), {
				body: { title: "ok", bogus: 1 },
			});
			const problem = expectProblem(res, 400, "UNKNOWN_FIELD");
			expect(problem.errors).toMatchObject({
				bogus: { code: "UNKNOWN_FIELD" },
			});
		});

		it.each(["created", "updated"])(
			"refuses writing %s on create and update",
			async (field) => {
				const { request } = t();
				const value = "2020-01-01T00:00:00.000Z";
				const created = await request("POST", recordsUrl("crud_posts"), {
					body: { title: "ok", [field]: value },
				});
				expectProblem(created, 400, "UNKNOWN_FIELD");
				expect(created.body.errors[field].code).toBe("READ_ONLY_FIELD");
				const post = await createRecord(t(), "crud_posts", { title: "Mine" });
				const url = recordsUrl("crud_posts", {}, post.id);
				const patched = await request("PATCH", url, {
					body: { [field]: value },
				});
				expectProblem(patched, 400, "UNKNOWN_FIELD");
				expect((await request("GET", url)).body).toEqual(post);
			},
		);

		it("refuses __proto__ keys with 400", async () => {
			const before = await allRecords(t(), "crud_posts");
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: '{"title":"ok","__proto__":{"views":1}}',
				headers: { "content-type": "application/json" },
			});
			expectProblem(res, 400, "MALFORMED_JSON");
			expect(await allRecords(t(), "crud_posts")).toEqual(before);
		});

		it("refuses malformed JSON with 400 MALFORMED_JSON", async () => {
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: '{"title": "ok",',
				headers: { "content-type": "application/json" },
			});
			expectProblem(res, 400, "MALFORMED_JSON");
		});

		it("refuses a JSON body that is not an object with 400", async () => {
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: "[1,2]",
				headers: { "content-type": "application/json" },
			});
			expectProblem(res, 400, "INVALID_BODY");
		});

		it("refuses a body over 1 MiB with 413", async () => {
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: JSON.stringify({ title: "ok", meta: "x".repeat(1024 * 1024) }),
				headers: { "content-type": "application/json" },
			});
			expectProblem(res, 413, "PAYLOAD_TOO_LARGE");
		});

		it("refuses text/plain with 415", async () => {
			const res = await t().request("POST", recordsUrl("crud_posts"), {
				body: '{"title":"ok"}',
				headers: { "content-type": "text/plain" },
			});
			expectProblem(res, 415, "UNSUPPORTED_MEDIA_TYPE");
		});
	});

	describe("unique indexes", () => {
		const value = "unique-slug-value-7f3a";

		it("answers 409 naming the field, never the value or SQL", async () => {
			const { request } = t();
			const first = await createRecord(t(), "crud_posts", {
				title: "First",
				slug: value,
			});
			const before = await allRecords(t(), "crud_posts");
			const res = await request("POST", recordsUrl("crud_posts"), {
				body: { title: "Second", slug: value },
			});
			const problem = expectProblem(res, 409, "UNIQUE_VIOLATION");
			expect(problem.errors).toEqual({
				slug: { code: "VALUE_NOT_UNIQUE", message: expect.any(String) },
			});
			expect(res.text).not.toContain(value);
			expect(res.text).not.toMatch(
				/INSERT|UPDATE|SELECT|constraint|duplicate key|crud_posts\.slug/i,
			);
			expect(await allRecords(t(), "crud_posts")).toEqual(before);

			const other = await createRecord(t(), "crud_posts", { title: "Other" });
			const url = recordsUrl("crud_posts", {}, other.id);
			const patched = await request("PATCH", url, {
				body: { slug: value, views: 9 },
			});
			expectProblem(patched, 409, "UNIQUE_VIOLATION");
			expect(patched.text).not.toContain(value);
			expect((await request("GET", url)).body).toEqual(other);
			expect(first.slug).toBe(value);
		});

		it("lets one of 8 concurrent creates of one value win, the rest 409", async () => {
			const results = await Promise.all(
				Array.from({ length: 8 }, (_, i) =>
					t().request("POST", recordsUrl("crud_posts"), {
						body: { title: `Racer ${"x".repeat(i)}`, slug: "raced-slug" },
					}),
				),
			);
			expect(results.filter((r) => r.status === 201)).toHaveLength(1);
			for (const lost of results.filter((r) => r.status !== 201))
				expectProblem(lost, 409, "UNIQUE_VIOLATION");
			const stored = await allRecords(t(), "crud_posts");
			expect(stored.filter((r) => r.slug === "raced-slug")).toHaveLength(1);
		});
	});
});
