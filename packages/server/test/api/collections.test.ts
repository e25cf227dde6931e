import { expect, it } from "vitest";
import {
	columnTypes,
	foreignKeys,
	hasTable,
	tableIndexes,
} from "../helpers/catalog.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import type { DialectName } from "../helpers/test-app.js";

/** The column type each field type must get, per dialect (docs/api.md#field-types). */
const EXPECTED_TYPES: Record<DialectName, Record<string, string>> = {
	sqlite: {
		id: "TEXT",
		created: "TEXT",
		updated: "TEXT",
		title: "TEXT",
		views: "REAL",
		done: "INTEGER",
		contact: "TEXT",
		site: "TEXT",
		due: "TEXT",
		status: "TEXT",
		tags: "TEXT",
		meta: "TEXT",
		owner: "TEXT",
		watchers: "TEXT",
		parent: "TEXT",
	},
	postgres: {
		id: "TEXT",
		created: "TIMESTAMP WITH TIME ZONE",
		updated: "TIMESTAMP WITH TIME ZONE",
		title: "TEXT",
		views: "DOUBLE PRECISION",
		done: "BOOLEAN",
		contact: "TEXT",
		site: "TEXT",
		due: "TIMESTAMP WITH TIME ZONE",
		status: "TEXT",
		tags: "JSONB",
		meta: "JSONB",
		owner: "TEXT",
		watchers: "JSONB",
		parent: "TEXT",
	},
};

const kitchen = {
	name: "kitchen",
	fields: [
		{
			name: "title",
			type: "text",
			required: true,
			max: 100,
			pattern: "^[a-z ]+$",
		},
		{ name: "views", type: "number", integer: true, min: 0 },
		{ name: "done", type: "bool" },
		{ name: "contact", type: "email" },
		{ name: "site", type: "url" },
		{ name: "due", type: "date", min: "2000-01-01T00:00:00Z" },
		{ name: "status", type: "select", values: ["draft", "live"] },
		{ name: "tags", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
		{ name: "meta", type: "json" },
		{ name: "owner", type: "relation", collection: "people" },
		{ name: "watchers", type: "relation", collection: "people", maxSelect: 5 },
		{ name: "parent", type: "relation", collection: "kitchen" },
	],
	indexes: [
		{ fields: ["views"] },
		{ fields: ["title"], unique: true },
		{ fields: ["status", "due"], name: "kitchen_status_due" },
	],
};

describeEachDialect("collections API", (t) => {
	const su = { token: "superuser" } as const;

	it("creates a collection with every field type as typed columns", async () => {
		const { request, dialect } = t();
		const people = await request("POST", "/api/v1/collections", {
			...su,
			body: { name: "people", fields: [{ name: "name", type: "text" }] },
		});
		expect(people.status, people.text).toBe(201);
		const created = await request("POST", "/api/v1/collections", {
			...su,
			body: kitchen,
		});
		expect(created.status, created.text).toBe(201);
		expect(created.headers.location).toBe("/api/v1/collections/kitchen");
		expect(created.body.name).toBe("kitchen");
		expect(created.body.fields.map((f: { name: string }) => f.name)).toEqual(
			kitchen.fields.map((f) => f.name),
		);
		for (const field of created.body.fields)
			expect(field.id).toMatch(/^[a-z0-9_]{1,40}$/);
		expect(created.body.fields[7]).toMatchObject({
			type: "select",
			maxSelect: 3,
			required: false,
		});
		expect(created.body.fields[9]).toMatchObject({
			collection: "people",
			maxSelect: 1,
			cascadeDelete: false,
		});
		expect(created.body.rules).toEqual({
			list: null,
			view: null,
			create: null,
			update: null,
			delete: null,
		});
		expect(await columnTypes(t(), "kitchen")).toEqual(EXPECTED_TYPES[dialect]);
	});

	it("builds real plain, unique and multi-column indexes", async () => {
		const { request } = t();
		const got = await request("GET", "/api/v1/collections/kitchen", su);
		expect(got.status).toBe(200);
		const names = got.body.indexes.map((ix: { name: string }) => ix.name);
		expect(names).toHaveLength(3);
		expect(names[2]).toBe("kitchen_status_due");
		const catalog = await tableIndexes(t(), "kitchen");
		expect(catalog).toEqual(
			[
				{ name: names[0], unique: false, columns: ["views", "id"] },
				{ name: names[1], unique: true, columns: ["title"] },
				{ name: names[2], unique: false, columns: ["status", "due", "id"] },
			].sort((a, b) => a.name.localeCompare(b.name)),
		);
	});

	it("makes single relations real foreign keys, self relations included", async () => {
		expect(await foreignKeys(t(), "kitchen")).toEqual([
			{ column: "owner", table: "people", onDelete: "SET NULL" },
			{ column: "parent", table: "kitchen", onDelete: "SET NULL" },
		]);
	});

	it("stores and returns a value of every type", async () => {
		const { request } = t();
		const person = await request("POST", "/api/v1/collections/people/records", {
			...su,
			body: { name: "ann" },
		});
		expect(person.status, person.text).toBe(201);
		const ann: string = person.body.id;
		const values = {
			title: "first",
			views: 3,
			done: true,
			contact: "ann@example.com",
			site: "https://example.com/a",
			due: "2026-03-01T10:00:00.000Z",
			status: "live",
			tags: ["a", "c"],
			meta: { nested: [1, 2] },
			owner: ann,
			watchers: [ann],
		};
		const first = await request("POST", "/api/v1/collections/kitchen/records", {
			...su,
			body: values,
		});
		expect(first.status, first.text).toBe(201);
		expect(first.body).toMatchObject(values);
		const child = await request("POST", "/api/v1/collections/kitchen/records", {
			...su,
			body: { title: "second", parent: first.body.id },
		});
		expect(child.status, child.text).toBe(201);
		const read = await request(
			"GET",
			`/api/v1/collections/kitchen/records/${child.body.id}?expand=parent`,
			su,
		);
		expect(read.status, read.text).toBe(200);
		expect(read.body.expand.parent).toMatchObject(values);
	});

	it("enforces the unique index in the database", async () => {
		const dup = await t().request(
			"POST",
			"/api/v1/collections/kitchen/records",
			{ ...su, body: { title: "first" } },
		);
		expect(dup.status, dup.text).toBe(409);
		expect(dup.body.code).toBe("UNIQUE_VIOLATION");
	});

	it("lists and gets collections", async () => {
		const { request } = t();
		const list = await request("GET", "/api/v1/collections", su);
		expect(list.status).toBe(200);
		const names = list.body.items.map((c: { name: string }) => c.name);
		expect(names).toContain("kitchen");
		expect(names).toContain("people");
		const one = await request("GET", "/api/v1/collections/kitchen", su);
		const listed = list.body.items.find(
			(c: { name: string }) => c.name === "kitchen",
		);
		expect(one.body).toEqual(listed);
	});

	it("records every change in the history with its SQL", async () => {
		const { request } = t();
		const before = await request("GET", "/api/v1/collections/people", su);
		const changed = await request("PATCH", "/api/v1/collections/people", {
			...su,
			body: {
				fields: [...before.body.fields, { name: "nick", type: "text" }],
				indexes: [{ fields: ["name"] }],
			},
		});
		expect(changed.status, changed.text).toBe(200);
		const history = await request(
			"GET",
			"/api/v1/collections/people/history",
			su,
		);
		expect(history.status, history.text).toBe(200);
		const [create, update, ...rest] = history.body.items;
		expect(rest).toEqual([]);
		expect(create).toMatchObject({
			action: "create",
			collectionName: "people",
			before: null,
			actor: "root@example.com",
		});
		expect(create.after.fields).toEqual(before.body.fields);
		expect(create.statements).toHaveLength(1);
		expect(create.statements[0]).toMatch(/^create table "people"/i);
		expect(update.action).toBe("update");
		expect(update.before.fields).toEqual(before.body.fields);
		expect(update.after.fields).toEqual(changed.body.fields);
		expect(update.statements).toHaveLength(2);
		expect(update.statements[0]).toMatch(
			/^alter table "people" add column "nick"/i,
		);
		expect(update.statements[1]).toMatch(
			/^create index "people_name_idx" on "people" \("name", "id"\)/i,
		);
	});

	it("refuses to delete a collection another collection's relation points at", async () => {
		const { request } = t();
		const refused = await request("DELETE", "/api/v1/collections/people", su);
		expect(refused.status, refused.text).toBe(409);
		expect(refused.body.code).toBe("COLLECTION_IN_USE");
		expect(refused.headers["content-type"]).toMatch(
			/^application\/problem\+json/,
		);
		expect(await hasTable(t(), "people")).toBe(true);
		const still = await request("GET", "/api/v1/collections/people", su);
		expect(still.status).toBe(200);
	});

	it("deletes a collection (a self relation does not block it) and its table", async () => {
		const { request } = t();
		const gone = await request("DELETE", "/api/v1/collections/kitchen", su);
		expect(gone.status, gone.text).toBe(204);
		expect(await hasTable(t(), "kitchen")).toBe(false);
		const get = await request("GET", "/api/v1/collections/kitchen", su);
		expect(get.status).toBe(404);
		expect(get.body.code).toBe("COLLECTION_NOT_FOUND");
		const records = await request(
			"GET",
			"/api/v1/collections/kitchen/records",
			su,
		);
		expect(records.status).toBe(404);
		// Now nothing points at people: it can go too, and its record with it.
		const people = await request("DELETE", "/api/v1/collections/people", su);
		expect(people.status, people.text).toBe(204);
		expect(await hasTable(t(), "people")).toBe(false);
	});
});
