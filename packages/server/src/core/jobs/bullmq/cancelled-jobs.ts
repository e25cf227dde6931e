import type { Queue } from "bullmq";
import type { Job } from "../job-types.js";
import type { BullmqQueues } from "./bullmq-queues.js";

/**
 * Takes a job out of the sets workers claim from (prioritized, delayed, wait, paused)
 * and stores its cancelled snapshot, in one step: if a worker has already moved the
 * job to active (or it has finished) nothing changes and the cancel is refused.
 * BullMQ has no such command, and `Queue.remove` alone would also delete a job that
 * completed between our state check and the removal.
 */
const DETACH_SCRIPT = `
local id = ARGV[1]
local removed = redis.call("ZREM", KEYS[1], id) + redis.call("ZREM", KEYS[2], id)
  + redis.call("LREM", KEYS[3], 0, id) + redis.call("LREM", KEYS[4], 0, id)
if removed == 0 then return 0 end
redis.call("HSET", KEYS[5], id, ARGV[2])
return 1
`;

/**
 * Cancels a waiting or delayed BullMQ job: BullMQ has no "cancelled" state, so the
 * job is removed from BullMQ and a snapshot with status `cancelled` is kept in a
 * Redis hash, where getJob, listJobs and retryJob find it. Returns false when the
 * job was no longer waiting or delayed.
 */
export async function cancelBullJob(
	queues: BullmqQueues,
	queue: Queue,
	snapshot: Job,
): Promise<boolean> {
	const detached = await queues.redis.eval(
		DETACH_SCRIPT,
		5,
		queue.toKey("prioritized"),
		queue.toKey("delayed"),
		queue.toKey("wait"),
		queue.toKey("paused"),
		queues.cancelledKey(queue.name),
		snapshot.id,
		JSON.stringify(snapshot),
	);
	if (Number(detached) !== 1) return false;
	// The job is in no list now, so no worker can take it: removing its hash (and its
	// deduplication key, freeing its unique key) is safe. A crash before this line
	// leaves an orphan hash that getJob reads as the cancelled snapshot.
	await queue.remove(snapshot.id);
	return true;
}

/** Every cancelled job of a queue. */
export async function listCancelled(
	queues: BullmqQueues,
	queue: string,
): Promise<Job[]> {
	const all = await queues.redis.hvals(queues.cancelledKey(queue));
	return all.map((text) => JSON.parse(text) as Job);
}

/** Forgets a cancelled snapshot once its job is back in BullMQ. */
export async function forgetCancelled(
	queues: BullmqQueues,
	job: Job,
): Promise<void> {
	await queues.redis.hdel(queues.cancelledKey(job.queue), job.id);
}

/** Forgets cancelled snapshots that ended before `before`; returns how many. */
export async function purgeCancelled(
	queues: BullmqQueues,
	queue: string,
	before: Date,
): Promise<number> {
	const key = queues.cancelledKey(queue);
	const entries = await queues.redis.hgetall(key);
	const old = Object.entries(entries)
		.filter(([, text]) => {
			const job = JSON.parse(text) as Job;
			return Date.parse(job.finished ?? job.created) < before.getTime();
		})
		.map(([id]) => id);
	if (old.length > 0) await queues.redis.hdel(key, ...old);
	return old.length;
}
