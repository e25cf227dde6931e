import { expect } from "vitest";
import type { RequestOptions, TestApp, TestResponse } from "./test-app.js";

/** A record as the API returns it, read loosely by tests. */
export type ApiRecord = Record<string, unknown> & {
	id: string;
	created: string;
	updated: string;
};

/** A UUIDv7 in its canonical lower-case form (RFC 9562 section 5.7). */
export const UUID_V7 =
	/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An ISO 8601 date-time in UTC as Basalt writes it. */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Creates a collection as superuser; fails the test unless the answer is 201. */
export async function createCollection(
	app: TestApp,
	definition: Record<string, unknown>,
): Promise<void> {
	const res = await app.request("POST", "/api/v1/collections", {
		token: "superuser",
		body: { type: "base", ...definition },
	});
	expect(res.status, res.text).toBe(201);
}

/** The records URL of a collection (or of one record), with query parameters. */
export function recordsUrl(
	collection: string,
	params: Record<string, string> = {},
	id?: string,
): string {
	const base = `/api/v1/collections/${collection}/records${id ? `/${id}` : ""}`;
	const query = new URLSearchParams(params).toString();
	return query ? `${base}?${query}` : base;
}

/** Creates one record; fails the test unless the answer is 201. */
export async function createRecord(
	app: TestApp,
	collection: string,
	body: Record<string, unknown>,
	options: RequestOptions = { token: "superuser" },
): Promise<ApiRecord> {
	const res = await app.request("POST", recordsUrl(collection), {
		...options,
		body,
	});
	expect(res.status, res.text).toBe(201);
	return res.body as ApiRecord;
}

/** Creates records one after another as superuser; returns them in order. */
export async function createRecords(
	app: TestApp,
	collection: string,
	bodies: Record<string, unknown>[],
): Promise<ApiRecord[]> {
	const created: ApiRecord[] = [];
	for (const body of bodies)
		created.push(await createRecord(app, collection, body));
	return created;
}

/** Lists as superuser (or the given caller); fails the test unless the answer is 200. */
export async function listRecords(
	app: TestApp,
	collection: string,
	params: Record<string, string> = {},
	options: RequestOptions = { token: "superuser" },
): Promise<TestResponse> {
	const res = await app.request("GET", recordsUrl(collection, params), options);
	expect(res.status, res.text).toBe(200);
	return res;
}

/** Every record of a collection in id order, read as superuser. */
export async function allRecords(
	app: TestApp,
	collection: string,
): Promise<ApiRecord[]> {
	const res = await listRecords(app, collection, { perPage: "500" });
	return res.body.items as ApiRecord[];
}

/** Asserts a problem+json answer with this status and code; returns the problem. */
export function expectProblem(
	res: TestResponse,
	status: number,
	code: string,
): Record<string, unknown> {
	expect(res.status, res.text).toBe(status);
	expect(String(res.headers["content-type"])).toMatch(
		/^application\/problem\+json/,
	);
	expect(res.body.code, res.text).toBe(code);
	expect(res.body.requestId).toBe(res.headers["x-request-id"]);
	return res.body as Record<string, unknown>;
}

/**
 * Runs `work` and records the SQL the App's query executor sends meanwhile. It only
 * observes: every statement still runs on the real database.
 */
export async function recordStatements<T>(
	app: TestApp,
	work: () => Promise<T>,
): Promise<{ result: T; sql: string[] }> {
	const executor = app.app.db.kysely.getExecutor();
	const original = executor.executeQuery;
	const run = original.bind(executor);
	const sql: string[] = [];
	executor.executeQuery = ((query) => {
		sql.push(query.sql);
		return run(query);
	}) as typeof original;
	// Reads outside transactions take the database's read path, not Kysely's executor.
	const db = app.app.db as { read: typeof app.app.db.read };
	const originalRead = db.read;
	db.read = ((query) => {
		sql.push(query.sql);
		return originalRead(query);
	}) as typeof originalRead;
	try {
		return { result: await work(), sql };
	} finally {
		executor.executeQuery = original;
		db.read = originalRead;
	}
}

/** Rules that let anyone do anything. */
export const openRules = {
	list: "",
	view: "",
	create: "",
	update: "",
	delete: "",
};

/** Rules that let only superusers do anything (every rule null). */
export const superusersOnlyRules = {
	list: null,
	view: null,
	create: null,
	update: null,
	delete: null,
};
