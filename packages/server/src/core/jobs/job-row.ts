import type { SqlDialect } from "../db/index.js";
import type { Job, JobStatus } from "./job-types.js";

/** A `_jobs` row as a Job; a waiting job whose time has not come reads as delayed. */
export function jobFromRow(
	row: Record<string, unknown>,
	dialect: SqlDialect,
	now: string,
): Job {
	const runAt = dialect.decode("timestamp", row.run_at) as string;
	const stored = row.status as JobStatus;
	return {
		id: row.id as string,
		queue: row.queue as string,
		name: row.name as string,
		payload: dialect.decode("json", row.payload),
		status: stored === "waiting" && runAt > now ? "delayed" : stored,
		priority: Number(row.priority),
		attempts: Number(row.attempts),
		maxAttempts: Number(row.max_attempts),
		progress: dialect.decode("json", row.progress),
		result: dialect.decode("json", row.result),
		lastError: (row.last_error as string | null) ?? null,
		uniqueKey: (row.unique_key as string | null) ?? null,
		runAt,
		created: dialect.decode("timestamp", row.created) as string,
		started:
			(dialect.decode("timestamp", row.started) as string | null) ?? null,
		finished:
			(dialect.decode("timestamp", row.finished) as string | null) ?? null,
		...(row.trace_parent ? { traceParent: row.trace_parent as string } : {}),
	};
}
