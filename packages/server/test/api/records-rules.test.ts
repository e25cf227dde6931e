import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	type ApiRecord,
	allRecords,
	createCollection,
	createRecord,
	createRecords,
	expectProblem,
	recordsUrl,
	superusersOnlyRules,
} from "../helpers/records-api.js";
import type { TestApp, TestResponse } from "../helpers/test-app.js";

const superusersOnly = superusersOnlyRules;

/** Titles of a list answer, in order. */
const titlesOf = (res: TestResponse): string[] =>
	(res.body.items as ApiRecord[]).map((r) => String(r.title ?? r.name));

/** Lists as a guest; fails the test unless the answer is 200. */
async function guestList(
	app: TestApp,
	collection: string,
	params: Record<string, string> = {},
): Promise<TestResponse> {
	const res = await app.request("GET", recordsUrl(collection, params));
	expect(res.status, res.text).toBe(200);
	return res;
}

describeEachDialect("records rules", (t) => {
	const posts: Record<string, ApiRecord> = {};

	beforeAll(async () => {
		const app = t();
		await createCollection(app, {
			name: "r_posts",
			fields: [
				{ name: "title", type: "text", required: true },
				{ name: "status", type: "select", values: ["draft", "published"] },
			],
			rules: {
				list: 'status = "published"',
				view: 'status = "published"',
				create: '@request.body.status = "draft"',
				update: 'title !~ "locked"',
				delete: 'title !~ "locked"',
			},
		});
		const created = await createRecords(app, "r_posts", [
			{ title: "pub a", status: "published" },
			{ title: "draft a", status: "draft" },
			{ title: "pub b", status: "published" },
			{ title: "locked pub", status: "published" },
			{ title: "locked draft", status: "draft" },
			{ title: "pub c", status: "published" },
		]);
		for (const post of created) posts[String(post.title)] = post;
	});

	describe("list and view", () => {
		it("lists only rows the list rule admits, and counts only those", async () => {
			const res = await guestList(t(), "r_posts", {
				sort: "title",
				perPage: "2",
			});
			expect(titlesOf(res)).toEqual(["locked pub", "pub a"]);
			expect(res.body.totalItems).toBe(4);
			expect(res.body.totalPages).toBe(2);
			const drafts = await guestList(t(), "r_posts", {
				filter: 'status = "draft" || title ~ "draft"',
			});
			expect(drafts.body.items).toEqual([]);
			expect(drafts.body.totalItems).toBe(0);
			const walk = await guestList(t(), "r_posts", { cursor: "" });
			expect(walk.body.items).toHaveLength(4);
		});

		it("shows superusers every row", async () => {
			const res = await t().request("GET", recordsUrl("r_posts"), {
				token: "superuser",
			});
			expect(res.body.totalItems).toBe(6);
		});

		it("answers 404 for a record the view rule hides", async () => {
			const { request } = t();
			const hidden = recordsUrl("r_posts", {}, posts["draft a"]?.id);
			expectProblem(await request("GET", hidden), 404, "RECORD_NOT_FOUND");
			const root = await request("GET", hidden, { token: "superuser" });
			expect(root.body.title).toBe("draft a");
			const visible = recordsUrl("r_posts", {}, posts["pub a"]?.id);
			expect((await request("GET", visible)).status).toBe(200);
		});
	});

	describe("writes", () => {
		it("checks the create rule against @request.body", async () => {
			const app = t();
			const before = await allRecords(app, "r_posts");
			const ok = await app.request("POST", recordsUrl("r_posts"), {
				body: { title: "guest draft", status: "draft" },
			});
			expect(ok.status, ok.text).toBe(201);
			const denied = await app.request("POST", recordsUrl("r_posts"), {
				body: { title: "guest pub", status: "published" },
			});
			expectProblem(denied, 403, "RULE_DENIED");
			const after = await allRecords(app, "r_posts");
			expect(after.map((r) => r.title)).toEqual([
				...before.map((r) => r.title),
				"guest draft",
			]);
			const root = await app.request("POST", recordsUrl("r_posts"), {
				body: { title: "root pub", status: "published" },
				token: "superuser",
			});
			expect(root.status).toBe(201);
		});

		it.each([
			["PATCH", { title: "locked pub!" }],
			["PUT", { title: "locked pub!" }],
			["DELETE", undefined],
		] as const)(
			"answers %s with 403 on a visible record the rule denies, 404 on a hidden one",
			async (method, body) => {
				const { request } = t();
				const before = await allRecords(t(), "r_posts");
				const options = body ? { body } : {};
				const visible = recordsUrl("r_posts", {}, posts["locked pub"]?.id);
				expectProblem(
					await request(method, visible, options),
					403,
					"RULE_DENIED",
				);
				const hidden = recordsUrl("r_posts", {}, posts["locked draft"]?.id);
				expectProblem(
					await request(method, hidden, options),
					404,
					"RECORD_NOT_FOUND",
				);
				const hiddenOpen = recordsUrl("r_posts", {}, posts["draft a"]?.id);
				expectProblem(
					await request(method, hiddenOpen, options),
					404,
					"RECORD_NOT_FOUND",
				);
				expect(await allRecords(t(), "r_posts")).toEqual(before);
			},
		);

		it("lets guests change what the rules allow, and superusers anything", async () => {
			const { request } = t();
			const url = recordsUrl("r_posts", {}, posts["pub b"]?.id);
			const patched = await request("PATCH", url, {
				body: { title: "pub b2" },
			});
			expect(patched.status, patched.text).toBe(200);
			const locked = recordsUrl("r_posts", {}, posts["locked draft"]?.id);
			const root = await request("PATCH", locked, {
				body: { title: "locked draft 2" },
				token: "superuser",
			});
			expect(root.status).toBe(200);
			const gone = await request("DELETE", locked, { token: "superuser" });
			expect(gone.status).toBe(204);
		});
	});

	describe("superuser-only and signed-in rules", () => {
		beforeAll(async () => {
			await createCollection(t(), {
				name: "r_admin",
				fields: [{ name: "name", type: "text" }],
				rules: superusersOnly,
			});
			const signedIn = '@request.auth.id != ""';
			await createCollection(t(), {
				name: "r_members",
				fields: [{ name: "name", type: "text" }],
				rules: {
					list: signedIn,
					view: signedIn,
					create: signedIn,
					update: signedIn,
					delete: signedIn,
				},
			});
		});

		it("answers guests 401 with WWW-Authenticate on a null rule", async () => {
			const { request } = t();
			const record = await createRecord(t(), "r_admin", { name: "secret" });
			const one = recordsUrl("r_admin", {}, record.id);
			for (const [method, url, body] of [
				["GET", recordsUrl("r_admin"), undefined],
				["GET", one, undefined],
				["POST", recordsUrl("r_admin"), { name: "x" }],
				["PATCH", one, { name: "x" }],
				["DELETE", one, undefined],
			] as const) {
				const res = await request(method, url, body ? { body } : {});
				expectProblem(res, 401, "AUTH_REQUIRED");
				expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
			}
			expect(await allRecords(t(), "r_admin")).toEqual([record]);
		});

		it("reads @request.auth.id as empty for guests", async () => {
			const { request } = t();
			const record = await createRecord(t(), "r_members", { name: "member" });
			const list = await guestList(t(), "r_members");
			expect(list.body.items).toEqual([]);
			expect(list.body.totalItems).toBe(0);
			const one = recordsUrl("r_members", {}, record.id);
			expectProblem(await request("GET", one), 404, "RECORD_NOT_FOUND");
			const created = await request("POST", recordsUrl("r_members"), {
				body: { name: "guest" },
			});
			expectProblem(created, 403, "RULE_DENIED");
			expect((await request("DELETE", one)).status).toBe(404);
			expect(await allRecords(t(), "r_members")).toEqual([record]);
			const root = await request("GET", one, { token: "superuser" });
			expect(root.body.name).toBe("member");
		});
	});

	describe("relation paths do not leak hidden records", () => {
		let docs: ApiRecord[] = [];

		beforeAll(async () => {
			const app = t();
			await createCollection(app, {
				name: "r_secrets",
				fields: [
					{ name: "name", type: "text" },
					{ name: "level", type: "number" },
				],
				rules: { ...superusersOnly, list: "", view: "level < 5" },
			});
			await createCollection(app, {
				name: "r_docs",
				fields: [
					{ name: "title", type: "text" },
					{ name: "secret", type: "relation", collection: "r_secrets" },
					{
						name: "secrets",
						type: "relation",
						collection: "r_secrets",
						maxSelect: 5,
					},
				],
				rules: { ...superusersOnly, list: "", view: "" },
			});
			const [low, high] = await createRecords(app, "r_secrets", [
				{ name: "public", level: 1 },
				{ name: "topsecret", level: 9 },
			]);
			docs = await createRecords(app, "r_docs", [
				{ title: "low doc", secret: low?.id, secrets: [low?.id] },
				{ title: "high doc", secret: high?.id, secrets: [high?.id, low?.id] },
			]);
		});

		it.each([
			["secret.level >= 5", [], ["high doc"]],
			['secret.name = "topsecret"', [], ["high doc"]],
			['secret.name ~ "top"', [], ["high doc"]],
			['secrets.name ?= "topsecret"', [], ["high doc"]],
			[
				'@collection.r_secrets.name ?= "topsecret"',
				[],
				["low doc", "high doc"],
			],
			[
				'@collection.r_secrets.name ?= "public"',
				["low doc", "high doc"],
				["low doc", "high doc"],
			],
			["secret.level < 5", ["low doc"], ["low doc"]],
			['secret.name != "public"', ["high doc"], ["high doc"]],
		])(
			"filter %s: guest sees %j, superuser %j",
			async (filter, asGuest, asRoot) => {
				const params = { filter, sort: "-title" };
				const guest = await guestList(t(), "r_docs", params);
				expect(titlesOf(guest)).toEqual(asGuest);
				const root = await t().request("GET", recordsUrl("r_docs", params), {
					token: "superuser",
				});
				expect(titlesOf(root)).toEqual(asRoot);
			},
		);

		it("leaves hidden related records out of expand", async () => {
			const res = await guestList(t(), "r_docs", {
				expand: "secret,secrets",
				sort: "title",
			});
			const [high, low] = res.body.items;
			expect(high.expand.secret).toBeUndefined();
			expect(high.expand.secrets.map((s: ApiRecord) => s.name)).toEqual([
				"public",
			]);
			expect(low.expand.secret.name).toBe("public");
			const root = await t().request(
				"GET",
				recordsUrl("r_docs", { expand: "secret" }, docs[1]?.id),
				{ token: "superuser" },
			);
			expect(root.body.expand.secret.name).toBe("topsecret");
		});
	});
});
