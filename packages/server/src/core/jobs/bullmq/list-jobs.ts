import type { JobType } from "bullmq";
import {
	type Job,
	type JobFilter,
	type JobStatus,
	jobStatuses,
} from "../job-types.js";
import { listCancelled } from "./cancelled-jobs.js";
import { type FindDeps, readBullJob } from "./find-job.js";
import { jobFromOutbox, readOutbox } from "./job-outbox.js";

/** The BullMQ sets that hold the jobs of each status Basalt keeps in BullMQ. */
const BULL_TYPES: Record<Exclude<JobStatus, "cancelled">, JobType[]> = {
	waiting: ["wait", "prioritized"],
	delayed: ["delayed"],
	running: ["active"],
	completed: ["completed"],
	failed: ["failed"],
};

/** One listed job before its page is read: a BullMQ id, or a job already in hand. */
type Entry =
	| { id: string; queue: string; status: JobStatus; job?: undefined }
	| { id: string; job: Job };

/**
 * Lists jobs newest first, paged, with a total, across BullMQ's sets, the cancelled
 * snapshots and the outbox. Ids are UUIDv7, so sorting them sorts by creation as the
 * db driver's `ORDER BY created DESC` does; BullMQ keeps no such index, so every
 * matching id is read (one range per set) and only the page's jobs are loaded. The
 * cost grows with the number of kept jobs until retention purges old ones.
 */
export async function listJobs(
	deps: FindDeps,
	filter: JobFilter,
): Promise<{ items: Job[]; totalItems: number }> {
	const statuses = filter.status ? [filter.status] : jobStatuses;
	// The outbox first: the relay adds a job to BullMQ before deleting its row, so a
	// job relayed meanwhile shows up in the later Redis reads, never in neither.
	const inOutbox = await outboxEntries(deps, filter.queue, statuses);
	const names =
		filter.queue !== undefined ? [filter.queue] : await deps.queues.names();
	const [inBull, cancelled] = await Promise.all([
		bullEntries(deps, names, statuses),
		statuses.includes("cancelled") ? cancelledEntries(deps, names) : [],
	]);
	// The same id can show up twice while it moves (relayed, retried): BullMQ wins.
	const entries = new Map<string, Entry>();
	for (const entry of [...inBull, ...cancelled, ...inOutbox])
		if (!entries.has(entry.id)) entries.set(entry.id, entry);
	const ordered = [...entries.values()].sort((a, b) =>
		a.id < b.id ? 1 : a.id > b.id ? -1 : 0,
	);
	const start = (filter.page - 1) * filter.perPage;
	const page = ordered.slice(start, start + filter.perPage);
	const items = await Promise.all(
		page.map(async (entry) => {
			if (entry.job) return entry.job;
			const found = await readBullJob(
				deps.queues,
				entry.queue,
				entry.id,
				entry.status,
			);
			return found?.job;
		}),
	);
	return {
		items: items.filter((job): job is Job => job !== undefined),
		totalItems: entries.size,
	};
}

async function bullEntries(
	deps: FindDeps,
	names: string[],
	statuses: readonly JobStatus[],
): Promise<Entry[]> {
	const lists = await Promise.all(
		names.flatMap((queue) =>
			statuses.map(async (status) => {
				if (status === "cancelled") return [];
				const ids = await deps.queues
					.queue(queue)
					.getRanges(BULL_TYPES[status], 0, -1);
				return ids.map((id) => ({ id, queue, status }));
			}),
		),
	);
	return lists.flat();
}

async function cancelledEntries(
	deps: FindDeps,
	names: string[],
): Promise<Entry[]> {
	const lists = await Promise.all(
		names.map((name) => listCancelled(deps.queues, name)),
	);
	return lists.flat().map((job) => ({ id: job.id, job }));
}

async function outboxEntries(
	deps: FindDeps,
	queue: string | undefined,
	statuses: readonly JobStatus[],
): Promise<Entry[]> {
	if (!statuses.includes("waiting") && !statuses.includes("delayed")) return [];
	const rows = await readOutbox(deps.db, queue === undefined ? {} : { queue });
	const now = deps.clock().getTime();
	return rows
		.map((row) => jobFromOutbox(row, now))
		.filter((job) => statuses.includes(job.status))
		.map((job) => ({ id: job.id, job }));
}
