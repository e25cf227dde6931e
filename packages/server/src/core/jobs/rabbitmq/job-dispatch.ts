import { type RawBuilder, sql } from "kysely";
import type { Database } from "../../db/index.js";

/** A job whose message is due to go to RabbitMQ. */
export interface DueMessage {
	id: string;
	queue: string;
	priority: number;
}

/**
 * Takes the jobs that need a message now (docs/jobs.md#rabbitmq), at most `limit`,
 * by stamping their `published_at` before anything is sent: a relay in another
 * process skips a stamped row, and a job that runs and goes back to waiting after
 * the stamp is never hidden by it. Two kinds of rows:
 * - waiting jobs whose time has come and that have no message (new, retried, given
 *   back by a stopping worker, or enqueued while RabbitMQ was away);
 * - running jobs whose lease expired (their worker died) and that got no message
 *   since that lease began: each expired lease is sent once.
 */
export async function takeDueMessages(
	db: Database,
	now: string,
	limit: number,
): Promise<DueMessage[]> {
	const fresh = sql`published_at IS NULL AND status = 'waiting' AND run_at <= ${now}`;
	// Highest priority first: RabbitMQ orders only the messages waiting together.
	const order = sql`ORDER BY priority DESC, run_at`;
	const taken = await stamp(db, now, fresh, order, limit);
	const left = limit - taken.length;
	if (left <= 0) return taken;
	const lost = sql`status = 'running' AND locked_until < ${now} AND (published_at IS NULL OR published_at < locked_until)`;
	return [...taken, ...(await stamp(db, now, lost, sql``, left))];
}

/** Stamps up to `limit` rows matching `where` (checked again on each row as it is updated). */
async function stamp(
	db: Database,
	now: string,
	where: RawBuilder<unknown>,
	order: RawBuilder<unknown>,
	limit: number,
): Promise<DueMessage[]> {
	const result =
		await sql<DueMessage>`UPDATE _jobs SET published_at = ${now} WHERE id IN (SELECT id FROM _jobs WHERE ${where} ${order} LIMIT ${limit}) AND ${where} RETURNING id, queue, priority`.execute(
			db.kysely,
		);
	return result.rows.map((row) => ({ ...row, priority: Number(row.priority) }));
}

/**
 * Takes the stamp back from jobs whose message did not reach RabbitMQ, so the relay
 * sends them again; a row stamped again since is left alone.
 */
export async function unstamp(
	db: Database,
	ids: readonly string[],
	stamped: string,
): Promise<void> {
	if (ids.length === 0) return;
	await db.kysely
		.updateTable("_jobs")
		.set({ published_at: null })
		.where("id", "in", [...ids])
		.where("published_at", "=", stamped)
		.execute();
}

/**
 * The queues with due waiting jobs whose message went out before `before` and that
 * still have not run: either RabbitMQ holds them behind other messages, or their
 * message was lost (a queue purged or deleted by hand).
 */
export async function queuesWithOldMessages(
	db: Database,
	now: string,
	before: string,
): Promise<string[]> {
	const result = await sql<{
		queue: string;
	}>`SELECT DISTINCT queue FROM _jobs WHERE status = 'waiting' AND run_at <= ${now} AND published_at < ${before}`.execute(
		db.kysely,
	);
	return result.rows.map((row) => row.queue);
}

/** Forgets the messages of a queue's old waiting jobs, so the relay sends them again. */
export async function forgetOldMessages(
	db: Database,
	queue: string,
	now: string,
	before: string,
): Promise<number> {
	const result = await db.kysely
		.updateTable("_jobs")
		.set({ published_at: null })
		.where("queue", "=", queue)
		.where("status", "=", "waiting")
		.where("run_at", "<=", now)
		.where("published_at", "<", before)
		.executeTakeFirst();
	return Number(result.numUpdatedRows);
}

/** What a worker claims a delivered job with. */
export interface ClaimById {
	id: string;
	queue: string;
	workerId: string;
	now: string;
	leaseUntil: string;
}

/**
 * Claims the job a message named, if it may run now: waiting and due, or running
 * under an expired lease. Anything else (cancelled, finished, held by a live worker,
 * a retry not yet due, a duplicate message) claims nothing, and the message is
 * dropped: the job's row says whether another message is needed.
 */
export async function claimJobById(
	db: Database,
	claim: ClaimById,
): Promise<Record<string, unknown> | undefined> {
	const { id, queue, workerId, now, leaseUntil } = claim;
	const result = await sql<
		Record<string, unknown>
	>`UPDATE _jobs SET status = 'running', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${leaseUntil}, started = ${now} WHERE id = ${id} AND queue = ${queue} AND ((status = 'waiting' AND run_at <= ${now}) OR (status = 'running' AND locked_until < ${now})) RETURNING *`.execute(
		db.kysely,
	);
	return result.rows[0];
}
