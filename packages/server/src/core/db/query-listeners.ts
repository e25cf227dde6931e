import { performance } from "node:perf_hooks";
import type { LogEvent } from "kysely";

/** One statement the database ran, as observers (metrics, slow-query log, tracing) see it. */
export interface QueryEvent {
	/** The SQL text with placeholders: never the parameter values. */
	sql: string;
	/** When it started, in ms on the `performance.now()` clock. */
	startedAt: number;
	durationMs: number;
	/** True when the statement failed (a constraint, a lost connection). */
	failed: boolean;
}

/** Hears every statement once it has run; must not throw, and must be cheap. */
export type QueryListener = (event: QueryEvent) => void;

/**
 * The listeners of one database's statements. Opening a database wires `kyselyLog`
 * into Kysely (every query through it, transactions included) and wraps direct
 * reads with `timed` or `timedSync`; an App adds its observers with `add`. With no listener the
 * only cost is Kysely's two clock reads per query.
 */
export function createQueryListeners() {
	const listeners: QueryListener[] = [];
	const emit = (event: QueryEvent) => {
		for (const listener of listeners) listener(event);
	};
	/** Reports a statement outside Kysely that started at `startedAt` and just ended. */
	const reportSince = (sql: string, startedAt: number, failed: boolean) =>
		emit({
			sql,
			startedAt,
			durationMs: performance.now() - startedAt,
			failed,
		});
	return {
		/** Adds a listener; returns the function that removes it. */
		add(listener: QueryListener): () => void {
			listeners.push(listener);
			return () => {
				const at = listeners.indexOf(listener);
				if (at >= 0) listeners.splice(at, 1);
			};
		},

		/** Kysely's `log` option. */
		kyselyLog(event: LogEvent): void {
			if (listeners.length === 0) return;
			const durationMs = event.queryDurationMillis;
			emit({
				sql: event.query.sql,
				startedAt: performance.now() - durationMs,
				durationMs,
				failed: event.level === "error",
			});
		},

		/**
		 * Runs a synchronous statement outside Kysely (better-sqlite3) and reports it,
		 * with no promise in between: a record view's read stays one call.
		 */
		timedSync<R>(sql: string, run: () => R): R {
			if (listeners.length === 0) return run();
			const startedAt = performance.now();
			try {
				const result = run();
				reportSince(sql, startedAt, false);
				return result;
			} catch (err: unknown) {
				reportSince(sql, startedAt, true);
				throw err;
			}
		},

		/** Runs a statement outside Kysely and reports it. */
		async timed<R>(sql: string, run: () => Promise<R> | R): Promise<R> {
			if (listeners.length === 0) return run();
			const startedAt = performance.now();
			try {
				const result = await run();
				reportSince(sql, startedAt, false);
				return result;
			} catch (err: unknown) {
				reportSince(sql, startedAt, true);
				throw err;
			}
		},
	};
}

/** The listeners of one database. */
export type QueryListeners = ReturnType<typeof createQueryListeners>;
