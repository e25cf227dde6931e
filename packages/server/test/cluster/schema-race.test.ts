import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type App, createApp, createServer } from "../../src/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

/*
 * A node that has not heard of a schema change (the event bus was away) must never
 * answer with a database error naming a column (docs/scale-out.md#schema-changes).
 * Two Apps share one database, each with its own in-process bus, so B never hears
 * what A changes: when B's statement meets a column A dropped, B loads the
 * collections again and answers as the new schema says.
 */
describeEachDialect("a node that missed a schema change", (t) => {
	let b: App;
	let server: FastifyInstance;
	const onB = async (method: string, url: string, body?: unknown) => {
		const res = await server.inject({
			method: method as "GET",
			url,
			headers: { authorization: `Bearer ${t().superuserToken}` },
			...(body === undefined ? {} : { payload: body as object }),
		});
		return { status: res.statusCode, text: res.body, body: res.json() };
	};

	beforeAll(async () => {
		const made = await t().request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: "drift",
				fields: [
					{ name: "title", type: "text" },
					{ name: "extra", type: "text" },
				],
				rules: { list: "", view: "", create: "" },
			},
		});
		expect(made.status, made.text).toBe(201);
		// Node B: the same database and data dir, a bus of its own.
		b = await createApp(t().app.config, {
			logger: createLogger({ level: "silent", format: "json" }),
		});
		server = await createServer(b);
		await server.ready();
		const dropped = await t().request("PATCH", "/api/v1/collections/drift", {
			token: "superuser",
			body: { fields: [made.body.fields[0]] },
		});
		expect(dropped.status, dropped.text).toBe(200);
	});
	afterAll(async () => {
		await server?.close();
		await b?.close();
	});

	it("refuses a filter on the dropped column as the new schema does, not with a 500", async () => {
		expect(b.registry.get("drift").fields.map((f) => f.name)).toContain(
			"extra",
		);
		const res = await onB(
			"GET",
			`/api/v1/collections/drift/records?filter=${encodeURIComponent('extra = "x"')}`,
		);
		expect(res.status, res.text).toBe(400);
		expect(res.text).not.toMatch(/no such column|does not exist/);
		expect(b.registry.get("drift").fields.map((f) => f.name)).toEqual([
			"title",
		]);
	});

	it("refuses a write to the dropped column after loading the change", async () => {
		const changed = await t().request("PATCH", "/api/v1/collections/drift", {
			token: "superuser",
			body: {
				fields: [
					...(
						await t().request("GET", "/api/v1/collections/drift", {
							token: "superuser",
						})
					).body.fields,
					{ name: "gone", type: "number" },
				],
			},
		});
		expect(changed.status, changed.text).toBe(200);
		// B loads this schema (as at a start), then A drops `gone` and B hears nothing.
		await b.collections.load();
		expect(b.registry.get("drift").fields.map((f) => f.name)).toContain("gone");
		const title = changed.body.fields.find(
			(f: { name: string }) => f.name === "title",
		);
		await t().request("PATCH", "/api/v1/collections/drift", {
			token: "superuser",
			body: { fields: [title] },
		});
		const res = await onB("POST", "/api/v1/collections/drift/records", {
			title: "t",
			gone: 1,
		});
		expect(res.status, res.text).toBe(400);
		expect(res.text).not.toMatch(/no such column|does not exist|has no column/);
		const ok = await onB("POST", "/api/v1/collections/drift/records", {
			title: "t",
		});
		expect(ok.status, ok.text).toBe(201);
	});
});
