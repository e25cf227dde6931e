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
	recordsUrl,
} from "../helpers/records-api.js";
import type { TestApp } from "../helpers/test-app.js";

const open = openRules;

/** Walks a cursor from `cursor=` until nextCursor is null; returns the pages. */
async function walk(
	app: TestApp,
	params: Record<string, string>,
	between?: (page: number) => Promise<void>,
): Promise<ApiRecord[][]> {
	const pages: ApiRecord[][] = [];
	let cursor: string | null = "";
	while (cursor !== null) {
		const res = await listRecords(app, "c_items", { ...params, cursor });
		expect(Object.keys(res.body).sort()).toEqual(["items", "nextCursor"]);
		pages.push(res.body.items as ApiRecord[]);
		cursor = res.body.nextCursor as string | null;
		expect(pages.length).toBeLessThan(100);
		if (between) await between(pages.length);
	}
	return pages;
}

/** Every record in the sort, read in one page mode request. */
async function sorted(app: TestApp, sort: string): Promise<string[]> {
	const res = await listRecords(app, "c_items", { sort, perPage: "500" });
	return (res.body.items as ApiRecord[]).map((r) => r.id);
}

/** A cursor body as the server encodes it, for forging cursors. */
function forge(body: unknown): string {
	return Buffer.from(JSON.stringify(body)).toString("base64url");
}

describeEachDialect("records cursor", (t) => {
	beforeAll(async () => {
		await createCollection(t(), {
			name: "c_items",
			fields: [
				{ name: "rank", type: "number" },
				{ name: "label", type: "text" },
				{ name: "flag", type: "bool" },
				{ name: "due", type: "date" },
			],
			rules: open,
		});
		// Ties, NULLs and mixed values, so the id tie-break and NULL order matter.
		await createRecords(
			t(),
			"c_items",
			Array.from({ length: 23 }, (_, i) => ({
				rank: i % 4 === 0 ? null : i % 5,
				label: `item ${String.fromCharCode(97 + ((i * 7) % 26))}`,
				flag: i % 3 === 0,
				due:
					i % 6 === 0
						? null
						: `2026-01-${String((i % 9) + 1).padStart(2, "0")}T12:00:00Z`,
			})),
		);
	});

	describe("walks", () => {
		it.each([
			"",
			"rank",
			"-rank",
			"rank,-label",
			"-label",
			"flag,-due",
			"-due,-created",
		])("sort=%s visits every record once, in order", async (sort) => {
			const pages = await walk(t(), { sort, perPage: "4" });
			const ids = pages.flat().map((r) => r.id);
			expect(ids).toEqual(await sorted(t(), sort));
			expect(ids).toHaveLength(23);
			expect(pages.at(-1)?.length).toBeGreaterThan(0);
			expect(pages.slice(0, -1).every((p) => p.length === 4)).toBe(true);
		});

		it("ends with nextCursor null on an exact last page", async () => {
			const pages = await walk(t(), { perPage: "23" });
			expect(pages).toHaveLength(1);
			expect(pages[0]).toHaveLength(23);
		});

		it("applies the filter to every page", async () => {
			const pages = await walk(t(), { filter: "flag = true", perPage: "3" });
			const items = pages.flat();
			expect(items).toHaveLength(8);
			expect(items.every((r) => r.flag === true)).toBe(true);
		});

		it("is stable under inserts between pages", async () => {
			const app = t();
			const sort = "rank,label";
			const original = await sorted(app, sort);
			let added = 0;
			const pages = await walk(app, { sort, perPage: "5" }, async () => {
				// Records sorting before, among and after the ones already read.
				for (const rank of [null, 0, 2, 4, 9]) {
					added += 1;
					await createRecord(app, "c_items", { rank, label: `new ${added}` });
				}
			});
			const seen = pages.flat().map((r) => r.id);
			expect(new Set(seen).size).toBe(seen.length);
			expect(seen.filter((id) => original.includes(id))).toEqual(original);
			const finalOrder = await sorted(app, sort);
			expect(seen).toEqual(finalOrder.filter((id) => seen.includes(id)));
		});
	});

	describe("invalid cursors", () => {
		const cursorFor = async (sort: string) => {
			const res = await listRecords(t(), "c_items", {
				sort,
				perPage: "2",
				cursor: "",
			});
			return String(res.body.nextCursor);
		};

		it("refuses a cursor made for another sort", async () => {
			const cursor = await cursorFor("rank");
			const res = await t().request(
				"GET",
				recordsUrl("c_items", { sort: "-rank", cursor }),
			);
			expectProblem(res, 400, "INVALID_CURSOR");
			const ok = await t().request(
				"GET",
				recordsUrl("c_items", { sort: "rank", cursor }),
			);
			expect(ok.status).toBe(200);
		});

		it.each([
			["garbage", "not a cursor at all!"],
			["base64 of non-JSON", Buffer.from("{oops").toString("base64url")],
			["wrong arity", forge({ s: "rank,id", v: [1] })],
			["wrong type", forge({ s: "rank,id", v: ["high", "x"] })],
			["null id", forge({ s: "rank,id", v: [1, null] })],
			["not an object", forge([1, 2])],
		])("refuses a tampered cursor: %s", async (_name, cursor) => {
			const res = await t().request(
				"GET",
				recordsUrl("c_items", { sort: "rank", cursor }),
			);
			expectProblem(res, 400, "INVALID_CURSOR");
		});

		it("refuses a cursor whose last character was changed", async () => {
			const cursor = await cursorFor("rank");
			const tampered = `${cursor.slice(0, -2)}!!`;
			const res = await t().request(
				"GET",
				recordsUrl("c_items", { sort: "rank", cursor: tampered }),
			);
			expectProblem(res, 400, "INVALID_CURSOR");
		});

		it("refuses page together with cursor", async () => {
			const res = await t().request(
				"GET",
				recordsUrl("c_items", { cursor: "", page: "1" }),
			);
			const problem = expectProblem(res, 400, "INVALID_QUERY");
			expect(problem.errors).toHaveProperty("page");
		});
	});
});
