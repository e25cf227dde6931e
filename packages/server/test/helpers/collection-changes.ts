import { expect } from "vitest";
import { columnTypes, tableIndexes } from "./catalog.js";
import type { TestApp } from "./test-app.js";

/** A field as GET /api/v1/collections/{name} returns it. */
export interface WireField {
	id: string;
	name: string;
	type: string;
	[option: string]: unknown;
}

/** Request options that sign in as the superuser. */
export const su = { token: "superuser" } as const;

/** Creates a collection and its records; returns the created fields and record ids. */
export async function seed(
	t: TestApp,
	definition: Record<string, unknown>,
	records: Record<string, unknown>[],
) {
	const created = await t.request("POST", "/api/v1/collections", {
		...su,
		body: definition,
	});
	expect(created.status, created.text).toBe(201);
	const ids: string[] = [];
	for (const body of records) {
		const rec = await t.request(
			"POST",
			`/api/v1/collections/${created.body.name}/records`,
			{ ...su, body },
		);
		expect(rec.status, rec.text).toBe(201);
		ids.push(rec.body.id);
	}
	return { fields: created.body.fields as WireField[], ids };
}

/** Reads a collection's records as a map from id to record. */
export async function recordsOf(t: TestApp, name: string) {
	const list = await t.request(
		"GET",
		`/api/v1/collections/${name}/records?perPage=500`,
		su,
	);
	expect(list.status, list.text).toBe(200);
	const byId = new Map<string, Record<string, unknown>>();
	for (const item of list.body.items) byId.set(item.id, item);
	return byId;
}

/** The value of one field of each record, in the order of `ids`. */
export async function valuesOf(
	t: TestApp,
	name: string,
	ids: string[],
	field: string,
) {
	const byId = await recordsOf(t, name);
	return ids.map((id) => byId.get(id)?.[field]);
}

/** Sends PATCH /api/v1/collections/{name} as the superuser. */
export async function patchCollection(
	t: TestApp,
	name: string,
	body: Record<string, unknown>,
) {
	return t.request("PATCH", `/api/v1/collections/${name}`, { ...su, body });
}

/** Snapshots everything a refused change must leave alone. */
export async function snapshot(t: TestApp, name: string) {
	const definition = await t.request("GET", `/api/v1/collections/${name}`, su);
	return {
		definition: definition.body,
		records: [...(await recordsOf(t, name)).values()],
		columns: await columnTypes(t, name),
		indexes: await tableIndexes(t, name),
	};
}

/** Sends a change that must be refused with 422 and leave schema and data as they were. */
export async function expectRefused(
	t: TestApp,
	name: string,
	body: Record<string, unknown>,
	code = "SCHEMA_CHANGE_REFUSED",
) {
	const before = await snapshot(t, name);
	const refused = await patchCollection(t, name, body);
	expect(refused.status, refused.text).toBe(422);
	expect(refused.body.code).toBe(code);
	expect(refused.headers["content-type"]).toMatch(
		/^application\/problem\+json/,
	);
	expect(await snapshot(t, name)).toEqual(before);
	return refused.body;
}
