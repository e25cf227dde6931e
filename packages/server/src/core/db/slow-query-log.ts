import type { Logger } from "../../tools/logger/index.js";
import type { QueryListener } from "./query-listeners.js";
import { sqlOperation } from "./sql-operation.js";

/** What the slow-query log needs. */
export interface SlowQueryLogSettings {
	logger: Logger;
	/** Statements at or above this many ms are logged. */
	thresholdMs: number;
	/** One line per SQL shape per this many ms, so a slow database cannot flood the log. */
	quietMs?: number;
	/** A monotonic clock in ms; tests may move it. */
	now?: () => number;
}

const MAX_SQL_LENGTH = 1000;
/** Shapes remembered at most; past it the oldest are forgotten (memory stays bounded). */
const MAX_SHAPES = 1000;

/**
 * Creates the query listener that writes a `warn` line "slow query" for statements
 * at or above the threshold (BASALT_SLOW_QUERY_MS): the SQL shape (placeholders, never
 * values, cut to 1000 characters), its duration and operation. At most one line per
 * shape per `quietMs` (default 10 s); the line says how many were left out since.
 */
export function createSlowQueryLog(
	settings: SlowQueryLogSettings,
): QueryListener {
	const quietMs = settings.quietMs ?? 10_000;
	const now = settings.now ?? (() => performance.now());
	// Shape -> when it was last logged and how many were left out since.
	const recent = new Map<string, { at: number; skipped: number }>();
	return function logSlowQuery(event) {
		if (event.durationMs < settings.thresholdMs) return;
		const at = now();
		const last = recent.get(event.sql);
		if (last && at - last.at < quietMs) {
			last.skipped++;
			return;
		}
		recent.delete(event.sql);
		if (recent.size >= MAX_SHAPES) {
			const oldest = recent.keys().next().value;
			if (oldest !== undefined) recent.delete(oldest);
		}
		recent.set(event.sql, { at, skipped: 0 });
		settings.logger.warn(
			{
				sql:
					event.sql.length > MAX_SQL_LENGTH
						? `${event.sql.slice(0, MAX_SQL_LENGTH)}…`
						: event.sql,
				durationMs: Math.round(event.durationMs * 100) / 100,
				operation: sqlOperation(event.sql),
				failed: event.failed || undefined,
				skippedSinceLast: last?.skipped || undefined,
			},
			"slow query",
		);
	};
}
