import type { Database, Executor } from "../../db/index.js";
import type { EnqueueOptions, Job } from "../job-types.js";
import { clampPriority, DEFAULT_MAX_ATTEMPTS } from "./bullmq-job.js";

/** A job waiting in `_job_outbox` for its transaction's commit and the relay. */
export interface OutboxRow {
	id: string;
	queue: string;
	name: string;
	payload: unknown;
	options: EnqueueOptions;
	created: string;
	/** The W3C traceparent of the span that enqueued it (tracing on). */
	traceParent?: string;
}

const TABLE = "_job_outbox";

/** Inserts a job into the outbox inside the caller's transaction. */
export async function insertOutboxRow(
	trx: Executor,
	db: Database,
	row: OutboxRow,
): Promise<void> {
	const { encode } = db.dialect;
	await trx
		.insertInto(TABLE)
		.values({
			id: row.id,
			queue: row.queue,
			name: row.name,
			payload: JSON.stringify(row.payload ?? null),
			options: encode("json", row.options),
			created: encode("timestamp", row.created),
			...(row.traceParent ? { trace_parent: row.traceParent } : {}),
		})
		.execute();
}

/** Committed outbox rows, oldest first (ids are UUIDv7). */
export async function readOutbox(
	db: Database,
	filter: { limit?: number; id?: string; queue?: string } = {},
): Promise<OutboxRow[]> {
	let query = db.kysely.selectFrom(TABLE).selectAll().orderBy("id");
	if (filter.id !== undefined) query = query.where("id", "=", filter.id);
	if (filter.queue !== undefined)
		query = query.where("queue", "=", filter.queue);
	if (filter.limit !== undefined) query = query.limit(filter.limit);
	// db.read sees committed rows only and, on SQLite, does not wait for an open
	// write transaction (its own connection): the relay never blocks a request.
	const rows = await db.read(query.compile());
	return rows.map((row) => ({
		id: row.id as string,
		queue: row.queue as string,
		name: row.name as string,
		payload: db.dialect.decode("json", row.payload),
		options: (db.dialect.decode("json", row.options) ?? {}) as EnqueueOptions,
		created: db.dialect.decode("timestamp", row.created) as string,
		...(row.trace_parent ? { traceParent: row.trace_parent as string } : {}),
	}));
}

/** Deletes relayed (or cancelled) rows; returns how many were deleted. */
export async function deleteOutboxRows(
	db: Database,
	ids: string[],
): Promise<number> {
	if (ids.length === 0) return 0;
	const result = await db.kysely
		.deleteFrom(TABLE)
		.where("id", "in", ids)
		.executeTakeFirst();
	return Number(result.numDeletedRows);
}

/** An outbox row as the API shows it: a job that has not started, waiting or delayed. */
export function jobFromOutbox(row: OutboxRow, nowMs: number): Job {
	const { options } = row;
	const runAtMs =
		Date.parse(row.created) + Math.max(0, Math.round(options.delayMs ?? 0));
	return {
		id: row.id,
		queue: row.queue,
		name: row.name,
		payload: row.payload ?? null,
		status: runAtMs > nowMs ? "delayed" : "waiting",
		priority: clampPriority(options.priority ?? 0),
		attempts: 0,
		maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
		progress: null,
		result: null,
		lastError: null,
		uniqueKey: options.uniqueKey ?? null,
		runAt: new Date(runAtMs).toISOString(),
		created: row.created,
		started: null,
		finished: null,
	};
}
