import { expect, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";

describeEachDialect("smoke", (t) => {
	it("creates a collection, writes and lists records", async () => {
		const { request } = t();
		const created = await request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "posts",
				fields: [
					{ name: "title", type: "text", required: true, max: 200 },
					{ name: "views", type: "number", integer: true },
					{
						name: "tags",
						type: "select",
						values: ["a", "b", "c"],
						maxSelect: 3,
					},
				],
				indexes: [{ fields: ["title"], unique: true }],
				rules: { list: "", view: "", create: "", update: null, delete: null },
			},
		});
		expect(created.status, created.text).toBe(201);
		const rec = await request("POST", "/api/v1/collections/posts/records", {
			body: { title: "hello", views: 3, tags: ["a", "b"] },
		});
		expect(rec.status, rec.text).toBe(201);
		const list = await request(
			"GET",
			"/api/v1/collections/posts/records?filter=views%20%3E%201%20%26%26%20tags%20%3F%3D%20%22a%22",
		);
		expect(list.status, list.text).toBe(200);
		expect(list.body.items).toHaveLength(1);
		expect(list.body.items[0].tags).toEqual(["a", "b"]);
	});
});
