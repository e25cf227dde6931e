import { sql } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { createSlowQueryLog } from "../../src/core/db/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { dialects } from "../helpers/each-dialect.js";
import { captureLogLines } from "../helpers/log-capture.js";
import { createTestApp } from "../helpers/test-app.js";

/** A bound parameter of the slow statement: it must never reach the log. */
const SECRET = "zq-slow-secret-5513";

for (const dialect of dialects) {
	const postgresUrl = inject("postgresUrl");
	const run = dialect === "postgres" && !postgresUrl ? describe.skip : describe;

	run(`slow-query log [${dialect}]`, () => {
		it("logs a statement over BASALT_SLOW_QUERY_MS once per shape, with its SQL shape and no values", async () => {
			const logs = captureLogLines();
			const t = await createTestApp(
				dialect,
				postgresUrl,
				{ BASALT_SLOW_QUERY_MS: "1", BASALT_LOG_LEVEL: "warn" },
				{ logDestination: logs.stream },
			);
			try {
				// Slow for real: PostgreSQL sleeps, SQLite counts to two million.
				const slow =
					dialect === "postgres"
						? sql<{ n: string }>`SELECT pg_sleep(${0.05}), ${SECRET}::text AS n`
						: sql<{
								n: number;
							}>`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${2_000_000}) SELECT count(*) AS n FROM c WHERE ${SECRET} <> ''`;
				for (let i = 0; i < 3; i++) await slow.execute(t.app.db.kysely);
				const slowLines = logs.lines.filter(
					(l) =>
						l.msg === "slow query" &&
						String(l.sql).includes(
							dialect === "postgres" ? "pg_sleep" : "WITH RECURSIVE",
						),
				);
				// Three runs of one shape within 10 s: one line.
				expect(slowLines).toHaveLength(1);
				expect(slowLines[0]).toMatchObject({
					level: "warn",
					operation: dialect === "postgres" ? "SELECT" : "WITH",
					sql: expect.stringMatching(dialect === "postgres" ? /\$1/ : /\?/),
				});
				expect(slowLines[0]?.durationMs).toBeGreaterThanOrEqual(1);
				expect(JSON.stringify(logs.lines)).not.toContain(SECRET);
			} finally {
				await t.close();
			}
		});
	});
}

describe("slow-query flood limit", () => {
	it("writes one line per shape per quiet period, then counts what it left out", () => {
		const logs = captureLogLines();
		let now = 0;
		const listener = createSlowQueryLog({
			logger: createLogger({
				level: "warn",
				format: "json",
				destination: logs.stream,
			}),
			thresholdMs: 100,
			quietMs: 10_000,
			now: () => now,
		});
		const event = (sql: string, durationMs: number) =>
			listener({ sql, startedAt: 0, durationMs, failed: false });
		event("SELECT * FROM a WHERE id = ?", 99); // under the threshold
		event("SELECT * FROM a WHERE id = ?", 100);
		event("SELECT * FROM a WHERE id = ?", 500);
		event("SELECT * FROM b", 150); // another shape has its own limit
		now = 9_999;
		event("SELECT * FROM a WHERE id = ?", 300);
		now = 10_000;
		event("SELECT * FROM a WHERE id = ?", 250);
		expect(
			logs.lines.map((l) => [l.sql, l.durationMs, l.skippedSinceLast]),
		).toEqual([
			["SELECT * FROM a WHERE id = ?", 100, undefined],
			["SELECT * FROM b", 150, undefined],
			["SELECT * FROM a WHERE id = ?", 250, 2],
		]);
	});

	it("cuts a long SQL text short", () => {
		const logs = captureLogLines();
		const listener = createSlowQueryLog({
			logger: createLogger({
				level: "warn",
				format: "json",
				destination: logs.stream,
			}),
			thresholdMs: 1,
		});
		listener({
			sql: `SELECT ${"x, ".repeat(2000)}y`,
			startedAt: 0,
			durationMs: 5,
			failed: false,
		});
		expect(String(logs.lines[0]?.sql).length).toBeLessThanOrEqual(1001);
	});
});
