import { beforeAll, describe, expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	type ApiRecord,
	createCollection,
	createRecord,
	createRecords,
	expectProblem,
	listRecords,
	openRules,
	recordStatements,
	recordsUrl,
} from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";

const open = openRules;

/** Titles of the books a filter selects, in title order. */
async function titlesWhere(app: TestApp, filter: string): Promise<string[]> {
	const res = await listRecords(app, "l_books", { filter, sort: "title" });
	return (res.body.items as ApiRecord[]).map((r) => String(r.title));
}

/** [filter, titles]: every operator of docs/filters.md#operators on real columns. */
const filterCases: [string, string[]][] = [
	['title = "Dune"', ["Dune"]],
	['title != "Dune"', ["100% Pure", "Emma", "Neuromancer", "snake_case"]],
	["pages > 400", ["Dune", "Emma"]],
	["pages >= 412", ["Dune", "Emma"]],
	["pages < 300", ["100% Pure", "Neuromancer"]],
	["pages <= 271", ["100% Pure", "Neuromancer"]],
	['title ~ "UN"', ["Dune"]],
	['title ~ "%"', ["100% Pure"]],
	['title ~ "_"', ["snake_case"]],
	['title ~ "e_c"', ["snake_case"]],
	['title ~ "0% p"', ["100% Pure"]],
	['title !~ "N"', ["100% Pure", "Emma"]],
	['tags ?= "classic"', ["Dune", "Emma"]],
	['tags ?!= "classic"', ["100% Pure", "Dune", "Neuromancer"]],
	['tags ?~ "ANTA"', ["Dune"]],
	['tags = ""', ["snake_case"]],
	['tags != ""', ["100% Pure", "Dune", "Emma", "Neuromancer"]],
	["tags = null", ["snake_case"]],
	['author.name = "Ann"', ["Dune", "Neuromancer"]],
	['author.name ~ "bo"', ["Emma"]],
	["author.publisher.city = 'Oslo'", ["Dune", "Neuromancer"]],
	['coauthors.name ?= "Bob"', ["Neuromancer", "snake_case"]],
	// Regression (found by test/fuzz/api-fuzz.test.ts): an emptiness test of a date
	// through a list relation compared the dates with '', a 500 on PostgreSQL.
	['coauthors.created != ""', ["Neuromancer", "snake_case"]],
	["coauthors.created = null", ["100% Pure", "Dune", "Emma"]],
	['coauthors.updated ?= ""', ["100% Pure", "Dune", "Emma"]],
	["note = null", ["Emma", "snake_case"]],
	['note = ""', ["Emma", "snake_case"]],
	['note != ""', ["100% Pure", "Dune", "Neuromancer"]],
	["pages = null", ["snake_case"]],
	['published >= "1900-01-01"', ["100% Pure", "Dune", "Neuromancer"]],
	['published < "1900-01-01T00:00:00Z"', ["Emma"]],
	['published > "1965-06-01 12:00"', ["100% Pure", "Neuromancer"]],
	["available = true", ["Dune", "snake_case"]],
	["available = false", ["100% Pure", "Emma", "Neuromancer"]],
	['created >= "2000-01-01" && pages > 400', ["Dune", "Emma"]],
	[
		'(pages > 400 || title ~ "pure") && available = false',
		["100% Pure", "Emma"],
	],
	['title = "Dune" || title = "Emma"', ["Dune", "Emma"]],
];

describeEachDialect("records list", (t) => {
	let books: ApiRecord[] = [];

	beforeAll(async () => {
		const app = t();
		await createCollection(app, {
			name: "l_publishers",
			fields: [{ name: "city", type: "text" }],
			rules: open,
		});
		await createCollection(app, {
			name: "l_authors",
			fields: [
				{ name: "name", type: "text" },
				{ name: "publisher", type: "relation", collection: "l_publishers" },
			],
			rules: open,
		});
		await createCollection(app, {
			name: "l_books",
			fields: [
				{ name: "title", type: "text" },
				{ name: "pages", type: "number" },
				{
					name: "tags",
					type: "select",
					values: ["sf", "fantasy", "classic"],
					maxSelect: 3,
				},
				{ name: "author", type: "relation", collection: "l_authors" },
				{
					name: "coauthors",
					type: "relation",
					collection: "l_authors",
					maxSelect: 5,
				},
				{ name: "published", type: "date" },
				{ name: "available", type: "bool" },
				{ name: "note", type: "text" },
			],
			rules: open,
		});
		const [oslo, rome] = await createRecords(app, "l_publishers", [
			{ city: "Oslo" },
			{ city: "Rome" },
		]);
		const [ann, bob] = await createRecords(app, "l_authors", [
			{ name: "Ann", publisher: oslo?.id },
			{ name: "Bob", publisher: rome?.id },
		]);
		books = await createRecords(app, "l_books", [
			{
				title: "Dune",
				pages: 412,
				tags: ["sf", "fantasy", "classic"],
				author: ann?.id,
				published: "1965-06-01T00:00:00Z",
				available: true,
				note: "spice",
			},
			{
				title: "Emma",
				pages: 474,
				tags: ["classic"],
				author: bob?.id,
				published: "1815-12-23T00:00:00Z",
				available: false,
				note: "",
			},
			{
				title: "Neuromancer",
				pages: 271,
				tags: ["sf"],
				author: ann?.id,
				coauthors: [ann?.id, bob?.id],
				published: "1984-07-01T00:00:00Z",
				available: false,
				note: "cyber",
			},
			{
				title: "100% Pure",
				pages: 120,
				tags: ["sf"],
				published: "2001-01-01T00:00:00Z",
				available: false,
				note: "percent",
			},
			{ title: "snake_case", coauthors: [bob?.id], available: true },
		]);
	});

	describe("filter", () => {
		it.each(filterCases)("%s", async (filter, expected) => {
			expect(await titlesWhere(t(), filter)).toEqual(expected);
		});

		it("answers a syntax error with 400 naming the position", async () => {
			const res = await t().request(
				"GET",
				recordsUrl("l_books", { filter: "pages > 1 && (" }),
			);
			const problem = expectProblem(res, 400, "INVALID_FILTER");
			expect(problem.position).toBe(14);
		});

		it.each([
			"nope = 1",
			"author.nope = 1",
			"title.name = 1",
			'pages = "many"',
			"@collection.nope.id = 1",
		])("refuses %s with 400", async (filter) => {
			const res = await t().request("GET", recordsUrl("l_books", { filter }));
			const problem = expectProblem(res, 400, "INVALID_FILTER");
			expect(typeof problem.position).toBe("number");
		});
	});

	describe("sort", () => {
		const titles = async (sort: string) => {
			const res = await listRecords(t(), "l_books", { sort });
			return (res.body.items as ApiRecord[]).map((r) => r.title);
		};

		it("sorts by several keys in both directions", async () => {
			expect(await titles("available,-pages")).toEqual([
				"Emma",
				"Neuromancer",
				"100% Pure",
				"Dune",
				"snake_case",
			]);
			expect(await titles("-title")).toEqual([
				"snake_case",
				"Neuromancer",
				"Emma",
				"Dune",
				"100% Pure",
			]);
		});

		it("puts empty values first ascending and last descending", async () => {
			expect(await titles("pages")).toEqual([
				"snake_case",
				"100% Pure",
				"Neuromancer",
				"Dune",
				"Emma",
			]);
			expect(await titles("-pages")).toEqual([
				"Emma",
				"Dune",
				"Neuromancer",
				"100% Pure",
				"snake_case",
			]);
		});

		it("defaults to creation order", async () => {
			expect(await titles("")).toEqual(books.map((b) => b.title));
		});

		it.each(["nope", "author.name", "tags", "title,title", "-"])(
			"refuses sort=%s with 400",
			async (sort) => {
				const res = await t().request("GET", recordsUrl("l_books", { sort }));
				expectProblem(res, 400, "INVALID_SORT");
			},
		);
	});

	describe("pages", () => {
		it("pages with totals", async () => {
			const res = await listRecords(t(), "l_books", {
				sort: "title",
				perPage: "2",
				page: "2",
			});
			expect(res.body).toMatchObject({
				page: 2,
				perPage: 2,
				totalItems: 5,
				totalPages: 3,
			});
			expect(res.body.items.map((r: ApiRecord) => r.title)).toEqual([
				"Emma",
				"Neuromancer",
			]);
			const last = await listRecords(t(), "l_books", {
				perPage: "2",
				page: "4",
			});
			expect(last.body.items).toEqual([]);
			expect(last.body.totalItems).toBe(5);
		});

		it("counts only what the filter selects, and skips totals on request", async () => {
			const res = await listRecords(t(), "l_books", {
				filter: "available = false",
				perPage: "1",
			});
			expect(res.body.totalItems).toBe(3);
			expect(res.body.totalPages).toBe(3);
			const skipped = await listRecords(t(), "l_books", {
				skipTotal: "true",
				perPage: "1",
			});
			expect(skipped.body.totalItems).toBe(-1);
			expect(skipped.body.totalPages).toBe(-1);
			expect(skipped.body.items).toHaveLength(1);
		});

		it("defaults to 30 per page and allows 500", async () => {
			expect((await listRecords(t(), "l_books")).body.perPage).toBe(30);
			const max = await listRecords(t(), "l_books", { perPage: "500" });
			expect(max.body.perPage).toBe(500);
		});

		it.each([
			["perPage", "501"],
			["perPage", "0"],
			["page", "0"],
			["page", "-1"],
			["page", "two"],
			["skipTotal", "maybe"],
		])("refuses %s=%s with 400", async (name, value) => {
			const res = await t().request(
				"GET",
				recordsUrl("l_books", { [name]: value }),
			);
			const problem = expectProblem(res, 400, "INVALID_QUERY");
			expect(problem.errors).toHaveProperty(name);
		});
	});

	describe("fields and expand", () => {
		it("returns only the fields asked for", async () => {
			const res = await listRecords(t(), "l_books", {
				fields: "id,title",
				sort: "title",
			});
			expect(res.body.items[0]).toEqual({
				id: books[3]?.id,
				title: "100% Pure",
			});
			const view = await t().request(
				"GET",
				recordsUrl("l_books", { fields: "pages" }, books[0]?.id),
			);
			expect(view.body).toEqual({ pages: 412 });
			const bad = await t().request(
				"GET",
				recordsUrl("l_books", { fields: "id,nope" }),
			);
			expectProblem(bad, 400, "INVALID_QUERY");
		});

		it("expands single, multiple and nested relations", async () => {
			const res = await listRecords(t(), "l_books", {
				filter: 'title = "Neuromancer"',
				expand: "author.publisher,coauthors",
			});
			const [book] = res.body.items;
			expect(book.expand.author).toMatchObject({
				id: book.author,
				name: "Ann",
			});
			expect(book.expand.author.expand.publisher.city).toBe("Oslo");
			expect(book.expand.coauthors.map((a: ApiRecord) => a.name)).toEqual([
				"Ann",
				"Bob",
			]);
			const view = await t().request(
				"GET",
				recordsUrl(
					"l_books",
					{ expand: "author.publisher", fields: "expand" },
					book.id,
				),
			);
			expect(view.body).toEqual({ expand: { author: book.expand.author } });
		});

		it("leaves empty relations out of expand", async () => {
			const res = await listRecords(t(), "l_books", {
				filter: 'title = "snake_case"',
				expand: "author,coauthors",
			});
			const [book] = res.body.items;
			expect(book.expand.author).toBeUndefined();
			expect(book.expand.coauthors.map((a: ApiRecord) => a.name)).toEqual([
				"Bob",
			]);
		});

		it.each(["title", "nope", "author.nope", "author.name"])(
			"refuses expand=%s with 400",
			async (expand) => {
				const res = await t().request("GET", recordsUrl("l_books", { expand }));
				expectProblem(res, 400, "INVALID_EXPAND");
			},
		);
	});

	it("expands many rows with one query per relation level, not per row", async () => {
		const app = t();
		const authors = await createRecords(
			app,
			"l_authors",
			Array.from({ length: 5 }, (_, i) => ({ name: `A${i}` })),
		);
		await createCollection(app, {
			name: "l_many",
			fields: [
				{ name: "n", type: "number" },
				{ name: "author", type: "relation", collection: "l_authors" },
			],
			rules: open,
		});
		for (let n = 0; n < 60; n++)
			await createRecord(app, "l_many", {
				n,
				author: authors[n % 5]?.id,
			});
		const statements = await recordStatements(app, () =>
			listRecords(app, "l_many", {
				perPage: "60",
				sort: "n",
				expand: "author.publisher",
			}),
		);
		const items = statements.result.body.items as ApiRecord[];
		expect(items).toHaveLength(60);
		items.forEach((item, n) => {
			const author = (item.expand as { author: ApiRecord }).author;
			expect(author.id).toBe(authors[n % 5]?.id);
			expect(author.name).toBe(`A${n % 5}`);
		});
		// The page, its count, one query for authors and one for their publishers.
		// Only these tables count: the App's background work (the job poller, the
		// request log) may run a statement of its own meanwhile.
		const reads = statements.sql.filter((s) =>
			/"l_(many|authors|publishers)"/.test(s),
		);
		expect(reads.filter((s) => s.includes('"l_authors"'))).toHaveLength(1);
		expect(reads.length).toBeLessThanOrEqual(4);
		expect(reads.length).toBeGreaterThanOrEqual(3);
	});
});
