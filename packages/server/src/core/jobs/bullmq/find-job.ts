import type { Job as BullJob, Queue } from "bullmq";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import type { Job, JobStatus } from "../job-types.js";
import { jobFromBull, statusOfState } from "./bullmq-job.js";
import type { BullmqQueues } from "./bullmq-queues.js";
import { jobFromOutbox, type OutboxRow, readOutbox } from "./job-outbox.js";

/** Where a job id was found: in BullMQ, among the cancelled, or still in the outbox. */
export type FoundJob =
	| { where: "bullmq"; queue: Queue; bull: BullJob; job: Job }
	| { where: "cancelled"; job: Job }
	| { where: "outbox"; row: OutboxRow; job: Job };

/** What finding a job needs. */
export interface FindDeps {
	queues: BullmqQueues;
	db: Database;
	clock: Clock;
}

/**
 * Finds a job by id alone: in Redis, else in the outbox (committed, not relayed yet),
 * else in Redis again, else as a job merged into another by its unique key while
 * relayed. The second look closes a race: the relay adds a job to BullMQ before it
 * deletes the row, so a job missing from both the first Redis read and the later
 * outbox read was relayed in between and is in Redis now.
 */
export async function findJob(
	deps: FindDeps,
	id: string,
	followMerge = true,
): Promise<FoundJob | undefined> {
	const inRedis = await findInRedis(deps.queues, id);
	if (inRedis) return inRedis;
	const [row] = await readOutbox(deps.db, { id });
	if (row)
		return {
			where: "outbox",
			row,
			job: jobFromOutbox(row, deps.clock().getTime()),
		};
	const relayed = await findInRedis(deps.queues, id);
	if (relayed || !followMerge) return relayed;
	const target = await deps.queues.redis.get(deps.queues.mergedKey(id));
	return target ? findJob(deps, target, false) : undefined;
}

/**
 * BullMQ keys jobs per queue, so one pipelined round trip asks every known queue for
 * the job's hash and its cancelled snapshot. A job in BullMQ wins over a snapshot (a
 * retry that stopped before forgetting it); a hash in no state (a cancel that stopped
 * before removing it) gives way to the snapshot.
 */
async function findInRedis(
	queues: BullmqQueues,
	id: string,
): Promise<FoundJob | undefined> {
	const names = await queues.names();
	const pipeline = queues.redis.pipeline();
	for (const name of names) {
		pipeline.exists(queues.jobKey(name, id));
		pipeline.hget(queues.cancelledKey(name), id);
	}
	const replies = (await pipeline.exec()) ?? [];
	const reply = (i: number) => {
		const [err, value] = replies[i] ?? [null, null];
		if (err) throw err;
		return value;
	};
	let snapshot: string | undefined;
	for (const [i, name] of names.entries()) {
		if (reply(2 * i) === 1) {
			const found = await readBullJob(queues, name, id);
			if (found) return found;
		}
		snapshot ??= (reply(2 * i + 1) as string | null) ?? undefined;
	}
	return snapshot
		? { where: "cancelled", job: JSON.parse(snapshot) as Job }
		: undefined;
}

/**
 * Reads a BullMQ job with its state; undefined when it is in no state (removed
 * meanwhile, or a cancel that stopped half-way).
 */
export async function readBullJob(
	queues: BullmqQueues,
	name: string,
	id: string,
	knownStatus?: JobStatus,
): Promise<Extract<FoundJob, { where: "bullmq" }> | undefined> {
	const queue = queues.queue(name);
	const [bull, state] = await Promise.all([
		queue.getJob(id),
		knownStatus ? undefined : queue.getJobState(id),
	]);
	const status = knownStatus ?? (state ? statusOfState(state) : undefined);
	if (!bull || !status) return undefined;
	return {
		where: "bullmq",
		queue,
		bull,
		job: jobFromBull(bull, status, await dueAt(queues, queue, id, status)),
	};
}

/**
 * When a delayed job is due: its score in the delayed set is the due time in ms
 * times 0x1000 plus a tie-breaker (BullMQ's getDelayedScore.lua), and unlike the
 * job's `delay` it also reflects a retry's backoff.
 */
async function dueAt(
	queues: BullmqQueues,
	queue: Queue,
	id: string,
	status: JobStatus,
): Promise<number | undefined> {
	if (status !== "delayed") return undefined;
	const score = await queues.redis.zscore(queue.toKey("delayed"), id);
	return score === null ? undefined : Math.floor(Number(score) / 0x1000);
}
