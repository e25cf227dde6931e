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
	request: { now: string; limit: number; withLostLeases: boolean },
): Promise<DueMessage[]> {
	const { now, limit } = request;
	// Read through _jobs_unpublished_idx (status, run_at) WHERE published_at IS NULL,
	// highest priority first: RabbitMQ orders only the messages waiting together.
	// Stamping re-checks only the stamp: a row stamped meanwhile by another relay is
	// skipped, and one cancelled meanwhile gets a message its claim drops.
	const taken = await stamp(
		db,
		now,
		sql`SELECT id FROM _jobs WHERE published_at IS NULL AND status = 'waiting' AND run_at <= ${now} ORDER BY priority DESC, run_at LIMIT ${limit}`,
		sql`published_at IS NULL`,
	);
	const left = limit - taken.length;
	if (left <= 0 || !request.withLostLeases) return taken;
	const lost = sql`status = 'running' AND locked_until < ${now} AND (published_at IS NULL OR published_at < locked_until)`;
	return [
		...taken,
		...(await stamp(
			db,
			now,
			sql`SELECT id FROM _jobs WHERE ${lost} LIMIT ${left}`,
			lost,
		)),
	];
}

/**
 * Stamps the rows `select` names that still match `recheck`. The select is a read of
 * its own: an idle relay's pass writes nothing (on SQLite, takes no write lock).
 */
async function stamp(
	db: Database,
	now: string,
	select: RawBuilder<unknown>,
	recheck: RawBuilder<unknown>,
): Promise<DueMessage[]> {
	const found = await sql<{ id: string }>`${select}`.execute(db.kysely);
	if (found.rows.length === 0) return [];
	const ids = found.rows.map((row) => row.id);
	const result =
		await sql<DueMessage>`UPDATE _jobs SET published_at = ${now} WHERE id IN (${sql.join(ids)}) AND ${recheck} RETURNING id, queue, priority`.execute(
			db.kysely,
		);
	// RETURNING keeps no order: highest priority first again.
	return result.rows
		.map((row) => ({ ...row, priority: Number(row.priority) }))
		.sort((a, b) => b.priority - a.priority);
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

/** What a worker claims delivered jobs with. */
export interface ClaimByIds {
	ids: readonly string[];
	queue: string;
	workerId: string;
	now: string;
	leaseUntil: string;
}

/**
 * Claims the jobs messages named, those that may run now: waiting and due, or running
 * under an expired lease. Anything else (cancelled, finished, held by a live worker,
 * a retry not yet due, a duplicate message) claims nothing, and the message is
 * dropped: the job's row says whether another message is needed (see
 * forgetEarlyMessages for the one case where it would not).
 */
export async function claimJobsByIds(
	db: Database,
	claim: ClaimByIds,
): Promise<Record<string, unknown>[]> {
	const { ids, queue, workerId, now, leaseUntil } = claim;
	const result = await sql<
		Record<string, unknown>
	>`UPDATE _jobs SET status = 'running', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${leaseUntil}, started = ${now} WHERE id IN (${sql.join(ids)}) AND queue = ${queue} AND ((status = 'waiting' AND run_at <= ${now}) OR (status = 'running' AND locked_until < ${now})) RETURNING *`.execute(
		db.kysely,
	);
	return result.rows;
}

/**
 * After a claim that took nothing: a job still waiting whose time has not come by
 * this worker's clock, yet stamped as sent, got its message early (the sender's clock
 * is ahead of this one, or the clock stepped back). Its stamp is taken back so the
 * relay sends it again when it is due, instead of the job waiting for the lost
 * message check. A retry's own stamp is already null, so this changes nothing there.
 */
export async function forgetEarlyMessages(
	db: Database,
	ids: readonly string[],
	now: string,
): Promise<void> {
	await db.kysely
		.updateTable("_jobs")
		.set({ published_at: null })
		.where("id", "in", [...ids])
		.where("status", "=", "waiting")
		.where("run_at", ">", now)
		.where("published_at", "is not", null)
		.execute();
}
