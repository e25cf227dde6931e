import { sql } from "kysely";
import type { Database } from "../../db/index.js";

/** Who claims, how many, until when. */
export interface ClaimRequest {
	queue: string;
	limit: number;
	workerId: string;
	now: string;
	leaseUntil: string;
}

/**
 * Claims up to `limit` due jobs of a queue in one statement: waiting jobs whose time
 * has come, and running jobs whose lease expired (their worker died), highest
 * priority first. Where the dialect has row locks (PostgreSQL), rows other workers
 * are claiming are skipped (`FOR UPDATE SKIP LOCKED`), so many workers never block
 * each other or take the same job; without them (SQLite: one writer at a time) the
 * UPDATE … RETURNING is atomic as it stands.
 */
export async function claimJobs(
	db: Database,
	request: ClaimRequest,
): Promise<Record<string, unknown>[]> {
	const { queue, limit, workerId, now, leaseUntil } = request;
	const due = sql`queue = ${queue} AND ((status = 'waiting' AND run_at <= ${now}) OR (status = 'running' AND locked_until < ${now}))`;
	const order = sql`ORDER BY priority DESC, run_at, id LIMIT ${limit}`;
	const set = sql`status = 'running', attempts = attempts + 1, locked_by = ${workerId}, locked_until = ${leaseUntil}, started = ${now}`;
	const statement = db.dialect.supportsRowLocks
		? sql`UPDATE _jobs AS j SET ${set} FROM (SELECT id FROM _jobs WHERE ${due} ${order} FOR UPDATE SKIP LOCKED) AS c WHERE j.id = c.id RETURNING j.*`
		: sql`UPDATE _jobs SET ${set} WHERE id IN (SELECT id FROM _jobs WHERE ${due} ${order}) RETURNING *`;
	const result = await statement.execute(db.kysely);
	return result.rows as Record<string, unknown>[];
}
