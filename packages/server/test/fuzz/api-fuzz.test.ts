import { describe, expect, inject, it } from "vitest";
import { dialects } from "../helpers/each-dialect.js";
import type { DialectName } from "../helpers/test-app.js";
import { fuzzDialectInChild } from "./fuzz-child.js";
import { type DialectFuzzResult, fuzzDialect } from "./fuzz-dialect.js";

/*
 * Fuzzing of the whole API from its live OpenAPI document (docs/api.md#openapi):
 * requests made from every operation's parameters and body schemas, valid-ish and
 * hostile, as guests, users, API keys and superusers, against a fixture whose rules
 * read @request.auth (fuzz-rules.ts). Every answer is checked (answer-checks.ts,
 * rule-oracle.ts, and the live document's own schemas: openapi-conformance.ts);
 * afterwards each caller's lists are compared with the rules.
 *
 * SQLite runs in this process and PostgreSQL in a child (fuzz-child.ts), each on its
 * own App and database, so the two use both cores. FUZZ_SEED replays a run (it is
 * printed first); FUZZ_RUNS sets how many requests a run sends in all (default
 * 100,000): most on SQLite, a share on PostgreSQL.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
// SQLite in this process, PostgreSQL in a child: about the same time on each core.
const SHARE: Record<DialectName, number> = { sqlite: 0.65, postgres: 0.35 };
const MIN_TOTAL = 100_000;
// A dialect's run of this many requests holds writes the rule oracle judges (about 1
// request in 800 is a caller's allowed JSON write): a shorter one may hold none.
const MIN_JUDGED_RUNS = 10_000;
// Memory after a full GC (fuzz-dialect.ts). Resident memory grows while bounded caches
// fill (each SQLite connection keeps up to 500 prepared statements, the response cache
// up to 32 MiB); the live JS heap barely grows once they are warm, so its second half
// is held tighter: a leak of 1 KiB per request would add over 30 MiB there.
const MAX_RSS_GROWTH_MIB = 150;
const MAX_SECOND_HALF_RSS_GROWTH_MIB = 50;
const MAX_SECOND_HALF_HEAP_GROWTH_MIB = 16;

console.log(`api fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

function summary(r: DialectFuzzResult): string {
	const statuses = Object.entries(r.statuses)
		.map(([s, n]) => `${s}:${n}`)
		.join(" ");
	const { before, half, after } = r.rss;
	const heap = r.heap;
	return (
		`api fuzz [${r.dialect}] FUZZ_SEED=${SEED}: ${r.requests} requests in ${(r.ms / 1000).toFixed(1)} s; ` +
		`statuses ${statuses}; records checked against the rules ${r.oracle.recordsChecked}, ` +
		`writes ${r.oracle.writesChecked}; credentials renewed ${r.credentialsRenewed}; ` +
		`RSS after GC ${before.toFixed(0)} → ${half.toFixed(0)} (half way) → ${after.toFixed(0)} MiB ` +
		`(live heap ${heap.before.toFixed(0)} → ${heap.half.toFixed(0)} → ${heap.after.toFixed(0)} MiB)`
	);
}

describe("API fuzzing from the live OpenAPI document", () => {
	const postgresUrl = inject("postgresUrl");
	const results: DialectFuzzResult[] = [];

	it("answers every generated request without a 5xx, a leak or a broken rule", async () => {
		const started = performance.now();
		const runs = (dialect: DialectName) => Math.round(RUNS * SHARE[dialect]);
		const planned = dialects.filter((d) => d === "sqlite" || postgresUrl);
		results.push(
			...(await Promise.all(
				planned.map((dialect) => {
					const options = {
						dialect,
						postgresUrl,
						seed: SEED,
						runs: runs(dialect),
					};
					return dialect === "sqlite"
						? fuzzDialect(options)
						: fuzzDialectInChild(options);
				}),
			)),
		);
		const total = results.reduce((n, r) => n + r.requests, 0);
		for (const r of results) console.log(summary(r));
		console.log(
			`api fuzz: ${total} requests in ${((performance.now() - started) / 1000).toFixed(1)} s; FUZZ_SEED=${SEED}`,
		);
		// Every dialect's verdicts at once, so one failure does not hide another's.
		const problems = results.flatMap((r) => {
			const at = `[${r.dialect}] FUZZ_SEED=${SEED}`;
			const rss = r.rss;
			return [
				...r.failures.map((f) => `${at} ${f}`),
				...(r.failureCount > r.failures.length
					? [
							`${at}: ${r.failureCount - r.failures.length} more failing requests`,
						]
					: []),
				...r.rejections.map((e) => `${at} unhandled rejection: ${e}`),
				...r.loggedErrors.slice(0, 3).map((e) => `${at} logged: ${e}`),
				...(r.requests !== runs(r.dialect)
					? [`${at}: sent ${r.requests} requests`]
					: []),
				// A run whose oracle judged no read or no write proves nothing about rules.
				...(r.requests >= MIN_JUDGED_RUNS && r.oracle.recordsChecked === 0
					? [`${at}: the rule oracle checked no returned record`]
					: []),
				...(r.requests >= MIN_JUDGED_RUNS && r.oracle.writesChecked === 0
					? [`${at}: the rule oracle checked no write`]
					: []),
				...(rss.after - rss.before >= MAX_RSS_GROWTH_MIB
					? [`${at}: RSS grew ${(rss.after - rss.before).toFixed(1)} MiB`]
					: []),
				...(rss.after - rss.half >= MAX_SECOND_HALF_RSS_GROWTH_MIB
					? [
							`${at}: RSS grew ${(rss.after - rss.half).toFixed(1)} MiB in the second half`,
						]
					: []),
				...(r.heap.after - r.heap.half >= MAX_SECOND_HALF_HEAP_GROWTH_MIB
					? [
							`${at}: the live heap grew ${(r.heap.after - r.heap.half).toFixed(1)} MiB in the second half`,
						]
					: []),
			];
		});
		expect(problems).toEqual([]);
		// A CI run fuzzes both databases, whatever FUZZ_RUNS says, and sends at least
		// 100,000 requests (.ci/run's second pass, on Node 24, asks for fewer with
		// FUZZ_RUNS: the first sent these).
		if (process.env.CI === "true") {
			expect(results.map((r) => r.dialect)).toEqual(dialects);
			if (process.env.FUZZ_RUNS === undefined)
				expect(total).toBeGreaterThanOrEqual(MIN_TOTAL);
		}
	}, 600_000);

	it("lists exactly what the rules allow, for every caller, after the run", () => {
		expect(results.length).toBeGreaterThan(0);
		for (const r of results) expect(r.sweep, r.dialect).toEqual([]);
	});
});
