import { Counter, type Registry } from "prom-client";
import { memoByText } from "../../tools/memo/index.js";
import { type QueryEvent, sqlOperation } from "../db/index.js";
import { LocalHistogram } from "./local-series.js";

/** Statement latency buckets in seconds: an indexed SQLite read is ~20 µs. */
const BUCKETS = [
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	0.5, 1, 2.5, 5,
];

const OPERATIONS = new Set(["select", "insert", "update", "delete"]);

/**
 * Tells a statement's operation from its first keyword: `select`, `insert`,
 * `update`, `delete`, or `other` (DDL, BEGIN, PRAGMA, a WITH …). Reads only the
 * first word, so the cost does not grow with the statement.
 */
export function operationOf(sql: string): string {
	const word = sqlOperation(sql.slice(0, 16)).toLowerCase();
	return OPERATIONS.has(word) ? word : "other";
}

/**
 * The database metrics: every statement's duration by operation and dialect, and
 * the statements at or above `slowQueryMs`. Fed by `db.onQuery`.
 */
export function createDbMetrics(
	register: Registry,
	options: { dialect: string; slowQueryMs: number },
) {
	const duration = new LocalHistogram({
		name: "basalt_db_query_duration_seconds",
		help: "Time a database statement took, in seconds, by operation and dialect.",
		buckets: BUCKETS,
		registers: [register],
	});
	const slow = new Counter({
		name: "basalt_db_slow_queries_total",
		help: "Statements that took BASALT_SLOW_QUERY_MS or longer, by operation and dialect.",
		labelNames: ["operation", "dialect"] as const,
		registers: [register],
	});
	const histograms = new Map<string, (seconds: number) => void>();
	const slowCounters = new Map<string, Counter.Internal>();
	for (const operation of [...OPERATIONS, "other"]) {
		const labels = { operation, dialect: options.dialect };
		histograms.set(operation, duration.child(labels));
		slowCounters.set(operation, slow.labels(labels));
		// Zero series exist from the start, so rate() and alerts see them at once.
		slow.labels(labels).inc(0);
	}

	const operationOfText = memoByText(operationOf);

	/** Hears one statement (a `db.onQuery` listener). */
	return function countQuery(event: QueryEvent): void {
		const operation = operationOfText(event.sql);
		histograms.get(operation)?.(event.durationMs / 1000);
		if (event.durationMs >= options.slowQueryMs)
			slowCounters.get(operation)?.inc();
	};
}
