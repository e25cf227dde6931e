import { expect, it } from "vitest";
import { columnTypes, tableIndexes } from "../helpers/catalog.js";
import {
	expectRefused,
	patchCollection,
	recordsOf,
	seed,
	su,
	valuesOf,
	type WireField,
} from "../helpers/collection-changes.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect("collection migrations", (t) => {
	it("adds a field and keeps the data", async () => {
		const { fields, ids } = await seed(
			t(),
			{ name: "m_add", fields: [{ name: "title", type: "text" }] },
			[{ title: "a" }, { title: "b" }],
		);
		const res = await patchCollection(t(), "m_add", {
			fields: [...fields, { name: "score", type: "number" }],
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields[0]).toEqual(fields[0]);
		expect(res.body.fields[1].id).toMatch(/^[a-z0-9_]+$/);
		expect(Object.keys(await columnTypes(t(), "m_add"))).toContain("score");
		expect(await valuesOf(t(), "m_add", ids, "title")).toEqual(["a", "b"]);
		expect(await valuesOf(t(), "m_add", ids, "score")).toEqual([null, null]);
	});

	it("renames a field: the data and its index follow", async () => {
		const { fields, ids } = await seed(
			t(),
			{
				name: "m_rename",
				fields: [
					{ name: "title", type: "text" },
					{ name: "n", type: "number" },
				],
				indexes: [{ fields: ["title"], unique: true }],
			},
			[{ title: "a", n: 1 }, { title: "b" }],
		);
		const [title, n] = fields as [WireField, WireField];
		const res = await patchCollection(t(), "m_rename", {
			fields: [{ ...title, name: "headline" }, n],
			indexes: [{ fields: ["headline"], unique: true }],
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields[0]).toEqual({ ...title, name: "headline" });
		expect(await valuesOf(t(), "m_rename", ids, "headline")).toEqual([
			"a",
			"b",
		]);
		const byId = await recordsOf(t(), "m_rename");
		expect(byId.get(ids[0] as string)).not.toHaveProperty("title");
		const columns = await columnTypes(t(), "m_rename");
		expect(columns).toHaveProperty("headline");
		expect(columns).not.toHaveProperty("title");
		// The index kept its name and now covers the renamed column.
		expect(await tableIndexes(t(), "m_rename")).toEqual([
			{ name: "m_rename_title_key", unique: true, columns: ["headline"] },
		]);
		const history = await t().request(
			"GET",
			"/api/v1/collections/m_rename/history",
			su,
		);
		expect(history.body.items[1].statements).toEqual([
			'alter table "m_rename" rename column "title" to "headline"',
		]);
	});

	it("swaps two field names in one change (regression: 500 on the half-way name clash)", async () => {
		const { fields, ids } = await seed(
			t(),
			{
				name: "m_swap",
				fields: [
					{ name: "first", type: "text" },
					{ name: "last", type: "text" },
				],
			},
			[{ first: "ada", last: "lovelace" }],
		);
		const [first, last] = fields as [WireField, WireField];
		const res = await patchCollection(t(), "m_swap", {
			fields: [
				{ ...first, name: "last" },
				{ ...last, name: "first" },
			],
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields.map((f: WireField) => f.id)).toEqual([
			first.id,
			last.id,
		]);
		expect(await valuesOf(t(), "m_swap", ids, "first")).toEqual(["lovelace"]);
		expect(await valuesOf(t(), "m_swap", ids, "last")).toEqual(["ada"]);
	});

	it("drops a field and keeps the others' data", async () => {
		const { fields, ids } = await seed(
			t(),
			{
				name: "m_drop",
				fields: [
					{ name: "title", type: "text" },
					{ name: "views", type: "number" },
				],
			},
			[
				{ title: "a", views: 1 },
				{ title: "b", views: 2 },
			],
		);
		const res = await patchCollection(t(), "m_drop", { fields: [fields[0]] });
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields).toEqual([fields[0]]);
		expect(Object.keys(await columnTypes(t(), "m_drop"))).toEqual([
			"id",
			"created",
			"updated",
			"title",
		]);
		const byId = await recordsOf(t(), "m_drop");
		expect(byId.size).toBe(2);
		expect(await valuesOf(t(), "m_drop", ids, "title")).toEqual(["a", "b"]);
		expect(byId.get(ids[0] as string)).not.toHaveProperty("views");
	});

	it("turns a single select into a list and back, refusing while a record holds 2 values", async () => {
		const select = { name: "status", type: "select", values: ["a", "b", "c"] };
		const { fields, ids } = await seed(
			t(),
			{ name: "m_select", fields: [select] },
			[{ status: "a" }, { status: "b" }, {}],
		);
		const status = fields[0] as WireField;
		const widened = await patchCollection(t(), "m_select", {
			fields: [{ ...status, maxSelect: 3 }],
		});
		expect(widened.status, widened.text).toBe(200);
		expect(await valuesOf(t(), "m_select", ids, "status")).toEqual([
			["a"],
			["b"],
			[],
		]);
		const id0 = ids[0] as string;
		const two = await t().request(
			"PATCH",
			`/api/v1/collections/m_select/records/${id0}`,
			{ ...su, body: { status: ["a", "c"] } },
		);
		expect(two.status, two.text).toBe(200);
		const refused = await expectRefused(t(), "m_select", {
			fields: [{ ...status, maxSelect: 1 }],
		});
		expect(refused.errors.status.code).toBe("CHANGE_REFUSED");
		expect(await valuesOf(t(), "m_select", ids, "status")).toEqual([
			["a", "c"],
			["b"],
			[],
		]);
		await t().request("PATCH", `/api/v1/collections/m_select/records/${id0}`, {
			...su,
			body: { status: ["c"] },
		});
		const narrowed = await patchCollection(t(), "m_select", {
			fields: [{ ...status, maxSelect: 1 }],
		});
		expect(narrowed.status, narrowed.text).toBe(200);
		expect(await valuesOf(t(), "m_select", ids, "status")).toEqual([
			"c",
			"b",
			null,
		]);
	});

	it('converts number values to text (regression: SQLite wrote 3 as "3.0")', async () => {
		const { fields, ids } = await seed(
			t(),
			{ name: "m_num", fields: [{ name: "v", type: "number" }] },
			[{ v: 3 }, { v: 2.5 }, { v: -40 }, {}],
		);
		const v = fields[0] as WireField;
		const res = await patchCollection(t(), "m_num", {
			fields: [{ id: v.id, name: "v", type: "text" }],
		});
		expect(res.status, res.text).toBe(200);
		expect((await columnTypes(t(), "m_num")).v).toBe("TEXT");
		expect(await valuesOf(t(), "m_num", ids, "v")).toEqual([
			"3",
			"2.5",
			"-40",
			null,
		]);
	});

	it("refuses a type change that cannot convert, changing nothing", async () => {
		const { fields } = await seed(
			t(),
			{
				name: "m_json",
				fields: [
					{ name: "meta", type: "json" },
					{ name: "label", type: "text" },
				],
			},
			[{ meta: { a: 1 }, label: "x" }],
		);
		const [meta, label] = fields as [WireField, WireField];
		const toNumber = await expectRefused(t(), "m_json", {
			fields: [{ id: meta.id, name: "meta", type: "number" }, label],
		});
		expect(Object.keys(toNumber.errors)).toEqual(["meta"]);
		// Refused even when it comes with changes that alone would be fine.
		await expectRefused(t(), "m_json", {
			fields: [
				meta,
				{ id: label.id, name: "label", type: "bool" },
				{ name: "extra", type: "text" },
			],
		});
	});

	it("refuses a unique index over duplicate values, changing nothing", async () => {
		const { fields } = await seed(
			t(),
			{ name: "m_unique", fields: [{ name: "title", type: "text" }] },
			[{ title: "same" }, { title: "same" }],
		);
		const refused = await expectRefused(t(), "m_unique", {
			fields: [...fields, { name: "extra", type: "text" }],
			indexes: [{ fields: ["title"], unique: true }],
		});
		expect(refused.detail).toMatch(/duplicate/);
		expect(refused.detail).not.toMatch(/same/);
	});

	it("drops an indexed field together with its index", async () => {
		const { fields, ids } = await seed(
			t(),
			{
				name: "m_dropix",
				fields: [
					{ name: "slug", type: "text" },
					{ name: "rank", type: "number" },
				],
				indexes: [{ fields: ["slug"], unique: true }, { fields: ["rank"] }],
			},
			[{ slug: "a", rank: 1 }],
		);
		const rank = fields[1] as WireField;
		const keptIndex = await expectRefused(
			t(),
			"m_dropix",
			{ fields: [rank] },
			"INVALID_SCHEMA",
		);
		expect(keptIndex.errors["indexes.0.fields.0"].code).toBe("UNKNOWN_FIELD");
		const res = await patchCollection(t(), "m_dropix", {
			fields: [rank],
			indexes: [{ fields: ["rank"] }],
		});
		expect(res.status, res.text).toBe(200);
		expect(await tableIndexes(t(), "m_dropix")).toEqual([
			{ name: "m_dropix_rank_idx", unique: false, columns: ["rank", "id"] },
		]);
		expect(await columnTypes(t(), "m_dropix")).not.toHaveProperty("slug");
		expect(await valuesOf(t(), "m_dropix", ids, "rank")).toEqual([1]);
	});
});
