import { expect, it } from "vitest";
import { foreignKeys } from "../helpers/catalog.js";
import {
	patchCollection,
	recordsOf,
	seed,
	su,
	valuesOf,
	type WireField,
} from "../helpers/collection-changes.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect("collection relation migrations", (t) => {
	it("renames a collection: records and relations from other collections follow", async () => {
		const authors = await seed(
			t(),
			{ name: "m_authors", fields: [{ name: "name", type: "text" }] },
			[{ name: "ann" }, { name: "bob" }],
		);
		const [ann, bob] = authors.ids as [string, string];
		const books = await seed(
			t(),
			{
				name: "m_books",
				fields: [
					{ name: "author", type: "relation", collection: "m_authors" },
					{
						name: "editors",
						type: "relation",
						collection: "m_authors",
						maxSelect: 3,
					},
				],
			},
			[{ author: ann, editors: [ann, bob] }],
		);
		const res = await patchCollection(t(), "m_authors", { name: "m_writers" });
		expect(res.status, res.text).toBe(200);
		expect(res.body.name).toBe("m_writers");
		const old = await t().request("GET", "/api/v1/collections/m_authors", su);
		expect(old.status).toBe(404);
		expect(await valuesOf(t(), "m_writers", [ann, bob], "name")).toEqual([
			"ann",
			"bob",
		]);
		const book = await t().request("GET", "/api/v1/collections/m_books", su);
		expect(book.body.fields.map((f: WireField) => f.collection)).toEqual([
			"m_writers",
			"m_writers",
		]);
		const expanded = await t().request(
			"GET",
			`/api/v1/collections/m_books/records/${books.ids[0]}?expand=author,editors`,
			su,
		);
		expect(expanded.status, expanded.text).toBe(200);
		expect(expanded.body.expand.author.name).toBe("ann");
		expect(
			expanded.body.expand.editors.map((e: { name: string }) => e.name),
		).toEqual(["ann", "bob"]);
		expect(await foreignKeys(t(), "m_books")).toEqual([
			{ column: "author", table: "m_writers", onDelete: "SET NULL" },
		]);
		const bad = await t().request(
			"POST",
			"/api/v1/collections/m_books/records",
			{
				...su,
				body: { author: "no-such-writer" },
			},
		);
		expect(bad.status).toBeGreaterThanOrEqual(400);
		expect(bad.status).toBeLessThan(500);
		const del = await t().request(
			"DELETE",
			"/api/v1/collections/m_writers",
			su,
		);
		expect(del.body.code).toBe("COLLECTION_IN_USE");
	});

	it("changes a relation's cascadeDelete", async () => {
		const parents = await seed(
			t(),
			{ name: "m_parents", fields: [{ name: "name", type: "text" }] },
			[{ name: "p1" }, { name: "p2" }],
		);
		const [p1, p2] = parents.ids as [string, string];
		const children = await seed(
			t(),
			{
				name: "m_children",
				fields: [{ name: "parent", type: "relation", collection: "m_parents" }],
			},
			[{ parent: p1 }, { parent: p2 }],
		);
		const [c1, c2] = children.ids as [string, string];
		const parent = children.fields[0] as WireField;
		const deleteParent = (id: string) =>
			t().request("DELETE", `/api/v1/collections/m_parents/records/${id}`, su);
		expect((await deleteParent(p1)).status).toBe(204);
		expect(await valuesOf(t(), "m_children", [c1], "parent")).toEqual([null]);
		const res = await patchCollection(t(), "m_children", {
			fields: [{ ...parent, cascadeDelete: true }],
		});
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields[0].cascadeDelete).toBe(true);
		expect(await foreignKeys(t(), "m_children")).toEqual([
			{ column: "parent", table: "m_parents", onDelete: "CASCADE" },
		]);
		expect((await deleteParent(p2)).status).toBe(204);
		const left = await recordsOf(t(), "m_children");
		expect([...left.keys()]).toEqual([c1]);
		expect(left.has(c2)).toBe(false);
	});

	it("renames a collection with a self relation (regression: refused as a target change)", async () => {
		const { fields, ids } = await seed(
			t(),
			{
				name: "m_nodes",
				fields: [
					{ name: "label", type: "text" },
					{ name: "parent", type: "relation", collection: "m_nodes" },
				],
			},
			[{ label: "root" }],
		);
		const [root] = ids as [string];
		const child = await t().request(
			"POST",
			"/api/v1/collections/m_nodes/records",
			{ ...su, body: { label: "leaf", parent: root } },
		);
		expect(child.status, child.text).toBe(201);
		const res = await patchCollection(t(), "m_nodes", { name: "m_tree" });
		expect(res.status, res.text).toBe(200);
		expect(res.body.fields[1]).toEqual({
			...(fields[1] as WireField),
			collection: "m_tree",
		});
		expect(await foreignKeys(t(), "m_tree")).toEqual([
			{ column: "parent", table: "m_tree", onDelete: "SET NULL" },
		]);
		expect(
			await valuesOf(t(), "m_tree", [root, child.body.id], "parent"),
		).toEqual([null, root]);
	});

	it("changes a relation added by PATCH (regression: PostgreSQL kept its unnamed foreign key)", async () => {
		const targets = await seed(
			t(),
			{ name: "m_targets", fields: [{ name: "n", type: "text" }] },
			[{ n: "a" }, { n: "b" }],
		);
		const [a, b] = targets.ids as [string, string];
		const holders = await seed(
			t(),
			{ name: "m_holders", fields: [{ name: "n", type: "text" }] },
			[{ n: "x" }],
		);
		const added = await patchCollection(t(), "m_holders", {
			fields: [
				...holders.fields,
				{ name: "ref", type: "relation", collection: "m_targets" },
			],
		});
		expect(added.status, added.text).toBe(200);
		const [n, ref] = added.body.fields as [WireField, WireField];
		const [x] = holders.ids as [string];
		const setRef = await t().request(
			"PATCH",
			`/api/v1/collections/m_holders/records/${x}`,
			{ ...su, body: { ref: a } },
		);
		expect(setRef.status, setRef.text).toBe(200);
		const cascade = await patchCollection(t(), "m_holders", {
			fields: [n, { ...ref, cascadeDelete: true }],
		});
		expect(cascade.status, cascade.text).toBe(200);
		expect(await foreignKeys(t(), "m_holders")).toEqual([
			{ column: "ref", table: "m_targets", onDelete: "CASCADE" },
		]);
		const multi = await patchCollection(t(), "m_holders", {
			fields: [n, { ...ref, cascadeDelete: true, maxSelect: 2 }],
		});
		expect(multi.status, multi.text).toBe(200);
		expect(await foreignKeys(t(), "m_holders")).toEqual([]);
		expect(await valuesOf(t(), "m_holders", [x], "ref")).toEqual([[a]]);
		const two = await t().request(
			"PATCH",
			`/api/v1/collections/m_holders/records/${x}`,
			{ ...su, body: { ref: [a, b] } },
		);
		expect(two.status, two.text).toBe(200);
		expect((await recordsOf(t(), "m_holders")).size).toBe(1);
	});
});
