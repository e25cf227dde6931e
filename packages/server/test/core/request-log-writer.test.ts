import { afterAll, beforeAll, expect, it } from "vitest";
import { createRequestLogWriter } from "../../src/core/logs/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

let t: TestApp;
beforeAll(async () => {
	t = await createTestApp("sqlite", undefined);
});
afterAll(async () => {
	await t.close();
});

const entry = (requestId: string, status = 200) => ({
	method: "GET",
	route: "/x",
	status,
	durationMs: 1,
	callerKind: "guest",
	callerId: undefined,
	ip: undefined,
	userAgent: "a".repeat(10_000),
	requestId,
});

function writerFor(
	settings: Partial<{ sample: number; batchSize: number; maxBuffered: number }>,
) {
	return createRequestLogWriter({
		db: t.app.db,
		newId: t.app.newId,
		clock: t.app.clock,
		logger: createLogger({ level: "silent", format: "json" }),
		settings: {
			sample: 1,
			batchSize: 500,
			// An hour: only explicit flushes and full batches write in these tests.
			flushMs: 3_600_000,
			maxBuffered: 10_000,
			...settings,
		},
	});
}

async function countOf(prefix: string): Promise<number> {
	const rows = await t.app.db.kysely
		.selectFrom("_request_logs")
		.select("request_id")
		.where("request_id", "like", `${prefix}%`)
		.execute();
	return rows.length;
}

it("drops and counts rows beyond the buffer cap instead of growing", async () => {
	const writer = writerFor({ maxBuffered: 3 });
	for (let i = 0; i < 5; i++) writer.add(entry(`cap-${i}`));
	expect(writer.counters()).toEqual({ buffered: 3, written: 0, dropped: 2 });
	expect(await countOf("cap-")).toBe(0);
	await writer.close();
	expect(writer.counters()).toEqual({ buffered: 0, written: 3, dropped: 2 });
	expect(await countOf("cap-")).toBe(3);
	// Closed: later requests are not kept.
	writer.add(entry("cap-late"));
	expect(writer.counters().buffered).toBe(0);
});

it("writes a full batch at once, in one INSERT, and cuts long user agents", async () => {
	const statements: string[] = [];
	const stop = t.app.db.onQuery((e) => {
		if (e.sql.includes("_request_logs")) statements.push(e.sql);
	});
	const writer = writerFor({ batchSize: 4 });
	for (let i = 0; i < 4; i++) writer.add(entry(`batch-${i}`));
	await writer.flush();
	stop();
	expect(statements.filter((s) => /^insert/i.test(s))).toHaveLength(1);
	expect(await countOf("batch-")).toBe(4);
	const [row] = await t.app.db.kysely
		.selectFrom("_request_logs")
		.select("user_agent")
		.where("request_id", "=", "batch-0")
		.execute();
	expect(String(row?.user_agent).length).toBe(256);
	await writer.close();
});

it("counts a batch the database refused as dropped and keeps going", async () => {
	const writer = writerFor({});
	writer.add(entry("refused-1"));
	writer.add(entry("refused-2"));
	// A duplicate primary key: the database refuses the whole batch.
	const ids = ["dup", "dup"];
	const broken = createRequestLogWriter({
		db: t.app.db,
		newId: () => ids.shift() ?? "x",
		clock: t.app.clock,
		logger: createLogger({ level: "silent", format: "json" }),
		settings: {
			sample: 1,
			batchSize: 500,
			flushMs: 3_600_000,
			maxBuffered: 10,
		},
	});
	broken.add(entry("refused-3"));
	broken.add(entry("refused-4"));
	await broken.close();
	expect(broken.counters()).toEqual({ buffered: 0, written: 0, dropped: 2 });
	await writer.close();
	expect(writer.counters().written).toBe(2);
	expect(await countOf("refused-")).toBe(2);
});

it("samples requests below 500 at the configured rate and weights them", async () => {
	const draws = [0.05, 0.5, 0.2, 0.05];
	const writer = createRequestLogWriter({
		db: t.app.db,
		newId: t.app.newId,
		clock: t.app.clock,
		logger: createLogger({ level: "silent", format: "json" }),
		settings: {
			sample: 0.25,
			batchSize: 500,
			flushMs: 3_600_000,
			maxBuffered: 10,
		},
		random: () => draws.shift() ?? 0.99,
	});
	writer.add(entry("sample-kept"));
	writer.add(entry("sample-out"));
	writer.add(entry("sample-kept2"));
	writer.add(entry("sample-error", 502));
	await writer.close();
	const rows = await t.app.db.kysely
		.selectFrom("_request_logs")
		.select(["request_id", "weight"])
		.where("request_id", "like", "sample-%")
		.orderBy("request_id")
		.execute();
	expect(rows.map((r) => [r.request_id, Number(r.weight)])).toEqual([
		["sample-error", 1],
		["sample-kept", 4],
		["sample-kept2", 4],
	]);
});
