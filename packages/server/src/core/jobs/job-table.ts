import { sql } from "kysely";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import {
	type Database,
	type Executor,
	NEWEST_FIRST,
	selectPage,
} from "../db/index.js";
import { jobFromRow } from "./job-row.js";
import type { EnqueueRequest, Job, JobFilter } from "./job-types.js";
import type { QueueDriver } from "./queue-driver.js";

/** What the jobs table is read and written with. */
export interface JobTableDeps {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
}

/**
 * The `_jobs` table as the drivers that keep job state in the database use it (db,
 * rabbitmq): every QueueDriver operation but the worker's, plus the row-to-job reader.
 */
export interface JobTable
	extends Pick<
		QueueDriver,
		| "getJob"
		| "listJobs"
		| "retryJob"
		| "cancelJob"
		| "purgeFinished"
		| "waitingStats"
	> {
	/**
	 * QueueDriver.enqueue, with what the rabbitmq driver adds: the new row's id, and a
	 * stamp saying its message is on its way (an existing job returned for the same
	 * unique key keeps its own id and stamp).
	 */
	enqueue(
		request: EnqueueRequest,
		trx?: Executor,
		row?: { id: string; publishedAt: string },
	): Promise<Job>;
	toJob(row: Record<string, unknown>): Job;
}

const DEFAULT_MAX_ATTEMPTS = 5;

/** Reads and writes jobs as rows of `_jobs` in the App's own database. */
export function createJobTable(deps: JobTableDeps): JobTable {
	const { db } = deps;
	const now = () => deps.clock().toISOString();
	const toJob = (row: Record<string, unknown>) =>
		jobFromRow(row, db.dialect, now());

	async function enqueue(
		request: EnqueueRequest,
		trx?: Executor,
		given?: { id: string; publishedAt: string },
	): Promise<Job> {
		const options = request.options ?? {};
		const created = now();
		const runAt = new Date(
			deps.clock().getTime() + Math.max(0, options.delayMs ?? 0),
		).toISOString();
		const row = {
			id: given?.id ?? deps.newId(),
			queue: options.queue ?? "default",
			name: request.name,
			// Always a JSON document ("null" included): the column is NOT NULL.
			payload: JSON.stringify(request.payload ?? null),
			status: "waiting",
			priority: options.priority ?? 0,
			attempts: 0,
			max_attempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
			run_at: runAt,
			unique_key: options.uniqueKey ?? null,
			created,
			...(request.traceParent ? { trace_parent: request.traceParent } : {}),
			...(given ? { published_at: given.publishedAt } : {}),
		};
		const executor = trx ?? db.kysely;
		const conflict = options.uniqueKey
			? sql` ON CONFLICT (unique_key) WHERE status IN ('waiting', 'running') DO NOTHING`
			: sql``;
		const columns = Object.keys(row);
		const inserted = await sql<
			Record<string, unknown>
		>`INSERT INTO _jobs (${sql.join(columns.map((c) => sql.ref(c)))}) VALUES (${sql.join(Object.values(row))})${conflict} RETURNING *`.execute(
			executor,
		);
		const stored =
			inserted.rows[0] ??
			(await executor
				.selectFrom("_jobs")
				.selectAll()
				.where("unique_key", "=", options.uniqueKey ?? "")
				.where("status", "in", ["waiting", "running"])
				.executeTakeFirstOrThrow());
		return toJob(stored);
	}

	return {
		toJob,
		enqueue,
		async getJob(id) {
			const row = await db.kysely
				.selectFrom("_jobs")
				.selectAll()
				.where("id", "=", id)
				.executeTakeFirst();
			return row ? toJob(row) : undefined;
		},
		async listJobs(filter: JobFilter) {
			let query = db.kysely.selectFrom("_jobs");
			if (filter.queue !== undefined)
				query = query.where("queue", "=", filter.queue);
			const at = now();
			if (filter.status === "delayed")
				query = query.where("status", "=", "waiting").where("run_at", ">", at);
			else if (filter.status === "waiting")
				query = query.where("status", "=", "waiting").where("run_at", "<=", at);
			else if (filter.status !== undefined)
				query = query.where("status", "=", filter.status);
			const { rows, totalItems } = await selectPage(
				query,
				NEWEST_FIRST,
				filter,
			);
			return { items: rows.map(toJob), totalItems };
		},
		async retryJob(id) {
			const result = await db.kysely
				.updateTable("_jobs")
				.set({
					status: "waiting",
					attempts: 0,
					run_at: now(),
					finished: null,
					locked_by: null,
					locked_until: null,
					published_at: null,
				})
				.where("id", "=", id)
				.where("status", "in", ["failed", "cancelled"])
				.executeTakeFirst();
			return Number(result.numUpdatedRows) > 0;
		},
		async cancelJob(id) {
			const result = await db.kysely
				.updateTable("_jobs")
				.set({ status: "cancelled", finished: now() })
				.where("id", "=", id)
				.where("status", "=", "waiting")
				.executeTakeFirst();
			return Number(result.numUpdatedRows) > 0;
		},
		async purgeFinished(before) {
			const result = await db.kysely
				.deleteFrom("_jobs")
				.where("status", "in", ["completed", "failed", "cancelled"])
				.where("finished", "<", before.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
		async waitingStats(queues) {
			if (queues.length === 0) return [];
			const at = deps.clock();
			// One indexed scan of the due waiting jobs; ISO timestamps sort as text.
			const rows = await db.kysely
				.selectFrom("_jobs")
				.select((eb) => [
					"queue",
					eb.fn.countAll<number | string>().as("waiting"),
					eb.fn.min<string | Date>("run_at").as("oldest"),
				])
				.where("status", "=", "waiting")
				.where("run_at", "<=", at.toISOString())
				.where("queue", "in", [...queues])
				.groupBy("queue")
				.execute();
			const found = new Map(rows.map((row) => [row.queue as string, row]));
			return queues.map((queue) => {
				const row = found.get(queue);
				// PostgreSQL answers a timestamptz as a Date, SQLite as ISO text.
				const oldest = row?.oldest
					? new Date(row.oldest).getTime()
					: Number.NaN;
				return {
					queue,
					waiting: Number(row?.waiting ?? 0),
					oldestWaitingSeconds: Number.isNaN(oldest)
						? 0
						: Math.max(0, (at.getTime() - oldest) / 1000),
				};
			});
		},
	};
}
