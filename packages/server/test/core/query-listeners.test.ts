import { CompiledQuery, sql } from "kysely";
import { expect, it } from "vitest";
import type { QueryEvent } from "../../src/core/db/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";

// Metrics, the slow-query log and tracing all hear statements through db.onQuery:
// every statement, direct reads and Kysely's alike, with its SQL shape but never
// its values.
describeEachDialect("database query listeners", (t) => {
	it("hears direct reads and Kysely statements, failed ones too, without values", async () => {
		const { db } = t().app;
		const heard: QueryEvent[] = [];
		const stop = db.onQuery((event) => heard.push(event));
		try {
			await db.read(
				sql`SELECT ${"hunter2"} AS secret_value`.compile(db.kysely),
			);
			await sql`SELECT ${"swordfish"} AS other`.execute(db.kysely);
			await expect(
				sql`SELECT * FROM no_such_table_here`.execute(db.kysely),
			).rejects.toThrow();
		} finally {
			stop();
		}
		expect(heard.map((event) => event.failed)).toEqual([false, false, true]);
		expect(heard[0]?.sql).toContain("secret_value");
		expect(heard[2]?.sql).toContain("no_such_table_here");
		for (const event of heard) {
			expect(JSON.stringify(event)).not.toMatch(/hunter2|swordfish/);
			expect(event.durationMs).toBeGreaterThanOrEqual(0);
			expect(event.startedAt).toBeGreaterThan(0);
		}
		// Removed listeners hear nothing more.
		await db.read(CompiledQuery.raw("SELECT 1", []));
		expect(heard).toHaveLength(3);
	});
});
