import type { Redis, RedisOptions } from "ioredis";
import type { IdGenerator } from "../../../tools/ids/index.js";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database, Executor } from "../../db/index.js";
import type { EnqueueRequest, Job } from "../job-types.js";
import type {
	JobWorker,
	QueueDriver,
	WaitingStats,
	WorkerOptions,
} from "../queue-driver.js";
import { RelayLoop } from "../relay-loop.js";
import { type BullAddRequest, bullOptions, jobFromBull } from "./bullmq-job.js";
import { BullmqQueues } from "./bullmq-queues.js";
import { BullmqWorker } from "./bullmq-worker.js";
import {
	cancelBullJob,
	forgetCancelled,
	purgeCancelled,
} from "./cancelled-jobs.js";
import { type FindDeps, findJob, readBullJob } from "./find-job.js";
import {
	deleteOutboxRows,
	insertOutboxRow,
	jobFromOutbox,
	type OutboxRow,
	readOutbox,
} from "./job-outbox.js";
import { listJobs } from "./list-jobs.js";

/** What the bullmq driver is built from: the App's parts plus Redis. */
export interface BullmqQueueDeps {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	/**
	 * Opens a connection to REDIS_URL with its TLS settings (createRedisClient in
	 * `src/tools/redis/redis-client.ts`).
	 */
	connectRedis: (options: RedisOptions) => Redis;
	/** The first part of every Redis key (BullMQ's `prefix`); default "basalt". */
	prefix?: string;
	/** How often the outbox relay looks for committed rows (default 1 s). */
	relayPollMs?: number;
}

/** Outbox rows relayed per pass. */
const OUTBOX_BATCH = 100;
/** How long a relayed job merged into another by its unique key can be looked up by its own id. */
const MERGED_TTL_S = 7 * 24 * 3600;
/** How long a transactional enqueue waits for Redis to name the job holding its unique key. */
const UNIQUE_LOOKUP_MS = 500;

/**
 * The scale-out queue driver (`BASALT_QUEUE=bullmq`): jobs live in BullMQ on Redis,
 * with Basalt's UUIDv7 ids as BullMQ job ids. A job enqueued inside a database
 * transaction goes to the `_job_outbox` table first and is relayed to BullMQ after
 * commit, so a job is neither lost if the process dies between commit and relay nor
 * run if the transaction rolls back.
 */
export function createBullmqQueueDriver(deps: BullmqQueueDeps): QueueDriver {
	const queues = new BullmqQueues({
		connectRedis: deps.connectRedis,
		prefix: deps.prefix ?? "basalt",
		logger: deps.logger,
	});
	const find: FindDeps = { queues, db: deps.db, clock: deps.clock };
	const workers = new Set<BullmqWorker>();
	// Moves committed `_job_outbox` rows to BullMQ, then deletes them; BullMQ ignores
	// a second add of an existing job id, so a row relayed twice is still one job.
	const relay = new RelayLoop({
		logger: deps.logger,
		pollMs: deps.relayPollMs ?? 1000,
		batch: OUTBOX_BATCH,
		what: "relaying the job outbox",
		async pass() {
			const rows = await readOutbox(deps.db, { limit: OUTBOX_BATCH });
			if (rows.length === 0) return 0;
			// Adds go out together: ioredis pipelines them on one connection.
			await Promise.all(rows.map(publish));
			await deleteOutboxRows(
				deps.db,
				rows.map((row) => row.id),
			);
			return rows.length;
		},
	});
	relay.start();
	let closed: Promise<void> | undefined;

	/** Adds a job to BullMQ; with a pending job of the same unique key, returns that one. */
	async function add(request: BullAddRequest): Promise<Job> {
		const name = request.options.queue ?? "default";
		// One round trip: ioredis sends the SADD first on the shared connection, so a
		// reader never finds the job before its queue's name.
		const [, bull] = await Promise.all([
			queues.register(name),
			queues
				.queue(name)
				.add(request.name, request.payload ?? null, bullOptions(request)),
		]);
		const delayed = (request.options.delayMs ?? 0) > 0;
		if (bull.id === request.id)
			return jobFromBull(bull, delayed ? "delayed" : "waiting");
		// Deduplicated: `add` answers with the pending job's id but our own data and
		// options (BullMQ's deduplicateJob.lua returns the existing id): read that job.
		const existing = await readBullJob(queues, name, bull.id ?? "");
		return existing?.job ?? jobFromBull(bull, delayed ? "delayed" : "waiting");
	}

	/** The relay's step: one outbox row into BullMQ, under the row's id. */
	async function publish(row: OutboxRow): Promise<void> {
		const job = await add({
			id: row.id,
			name: row.name,
			payload: row.payload,
			options: row.options,
			createdMs: Date.parse(row.created),
			traceParent: row.traceParent,
		});
		// Two transactions enqueued the same unique key: the second id keeps leading
		// to the job that runs instead of disappearing.
		if (job.id !== row.id)
			await queues.redis.set(
				queues.mergedKey(row.id),
				job.id,
				"EX",
				MERGED_TTL_S,
			);
	}

	/**
	 * The pending job holding a unique key, if Redis names one in time. It only lets a
	 * transactional enqueue return the existing job as the db driver does: without an
	 * answer (Redis down or slow) the row goes to the outbox anyway and the relay
	 * merges it, so a Redis outage never holds the caller's transaction (on SQLite,
	 * every writer).
	 */
	async function pendingWithKey(queue: string, key: string) {
		const lookup = (async () => {
			const id = await queues.queue(queue).getDeduplicationJobId(key);
			const found = id ? await readBullJob(queues, queue, id) : undefined;
			const pending = ["waiting", "delayed", "running"];
			return found && pending.includes(found.job.status)
				? found.job
				: undefined;
		})();
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<undefined>((resolve) => {
			timer = setTimeout(resolve, UNIQUE_LOOKUP_MS, undefined);
			timer.unref();
		});
		try {
			return await Promise.race([lookup, late]);
		} catch (err: unknown) {
			deps.logger.debug({ err }, "unique key lookup failed; relaying anyway");
			return undefined;
		} finally {
			clearTimeout(timer);
			lookup.catch(() => undefined);
		}
	}

	async function enqueue(
		request: EnqueueRequest,
		trx?: Executor,
	): Promise<Job> {
		const options = request.options ?? {};
		const created = deps.clock();
		const id = deps.newId();
		const payload = request.payload ?? null;
		if (!trx)
			return add({
				id,
				name: request.name,
				payload,
				options,
				createdMs: created.getTime(),
				traceParent: request.traceParent,
			});
		const queue = options.queue ?? "default";
		if (options.uniqueKey) {
			const pending = await pendingWithKey(queue, options.uniqueKey);
			if (pending) return pending;
		}
		const row = {
			id,
			queue,
			name: request.name,
			payload,
			options,
			created: created.toISOString(),
			...(request.traceParent ? { traceParent: request.traceParent } : {}),
		};
		await insertOutboxRow(trx, deps.db, row);
		relay.nudge();
		return jobFromOutbox(row, created.getTime());
	}

	// Retry and cancel follow a merged id to the job it leads to, as getJob does.
	async function retryJob(id: string): Promise<boolean> {
		const found = await findJob(find, id);
		if (found?.where === "bullmq") {
			if (found.job.status !== "failed") return false;
			try {
				await found.bull.retry("failed", {
					resetAttemptsMade: true,
					resetAttemptsStarted: true,
				});
				return true;
			} catch (err: unknown) {
				// BullMQ's codes (e.g. -3, not in the failed set): it left that state meanwhile.
				if (typeof (err as { code?: unknown }).code === "number") return false;
				throw err;
			}
		}
		if (found?.where !== "cancelled") return false;
		const { job } = found;
		// Clears the hash a cancel may have left if it stopped half-way; BullMQ would
		// take the re-add of an existing id for a duplicate and do nothing.
		await queues.queue(job.queue).remove(job.id);
		const added = await add({
			id: job.id,
			name: job.name,
			payload: job.payload,
			options: {
				queue: job.queue,
				priority: job.priority,
				maxAttempts: job.maxAttempts,
				...(job.uniqueKey ? { uniqueKey: job.uniqueKey } : {}),
			},
			createdMs: Date.parse(job.created),
		});
		// Another pending job holds its unique key: it stays cancelled.
		if (added.id !== job.id) return false;
		await forgetCancelled(queues, job);
		return true;
	}

	async function cancelJob(id: string): Promise<boolean> {
		let found = await findJob(find, id);
		// Cancelling the row would race the relay that may be adding it right now:
		// relay it first, then cancel it in BullMQ like any other job.
		if (found?.where === "outbox") {
			await relay.relayNow();
			found = await findJob(find, id);
		}
		if (found?.where !== "bullmq") return false;
		if (found.job.status !== "waiting" && found.job.status !== "delayed")
			return false;
		return cancelBullJob(queues, found.queue, {
			...found.job,
			status: "cancelled",
			finished: deps.clock().toISOString(),
		});
	}

	return {
		name: "bullmq",
		enqueue,
		async getJob(id) {
			return (await findJob(find, id))?.job;
		},
		listJobs: (filter) => listJobs(find, filter),
		retryJob,
		cancelJob,
		async purgeFinished(before) {
			// BullMQ's clean takes an age: jobs older than `grace` ms are removed.
			const grace = Math.max(0, deps.clock().getTime() - before.getTime());
			let removed = 0;
			for (const name of await queues.names()) {
				const queue = queues.queue(name);
				for (const state of ["completed", "failed"] as const) {
					removed += (await queue.clean(grace, 100_000, state)).length;
				}
				removed += await purgeCancelled(queues, name, before);
			}
			return removed;
		},
		waitingStats: (names) => bullmqWaitingStats(queues, names, deps.clock()),
		startWorker(options: WorkerOptions): JobWorker {
			const worker = new BullmqWorker({
				queues,
				logger: deps.logger,
				options,
				onStop: () => workers.delete(worker),
			});
			workers.add(worker);
			worker.start();
			relay.nudge();
			return worker;
		},
		close() {
			closed ??= (async () => {
				await Promise.all([
					...[...workers].map((w) => w.stop(0)),
					// A pass stuck on an unreachable Redis is not worth waiting for.
					relay.stop(queues.redis.status === "ready" ? 5000 : 0),
				]);
				await queues.close();
			})();
			return closed;
		},
	};
}

/**
 * Each queue's due, unstarted jobs (BullMQ's `wait` list and `prioritized` set) and
 * the age of the oldest. The wait list is FIFO, so its tail is its oldest job; the
 * prioritized set is ordered by priority, so only its first job is looked at: the
 * age is exact without priorities and a lower bound with them.
 */
async function bullmqWaitingStats(
	queues: BullmqQueues,
	names: readonly string[],
	now: Date,
): Promise<WaitingStats[]> {
	return Promise.all(
		names.map(async (name) => {
			const queue = queues.queue(name);
			const [counts, oldestWaiting, firstPrioritized] = await Promise.all([
				queue.getJobCounts("wait", "prioritized"),
				queue.getJobs(["wait"], 0, 0, true),
				queue.getJobs(["prioritized"], 0, 0, true),
			]);
			const dueSince = [...oldestWaiting, ...firstPrioritized].map(
				(job) => job.timestamp + (job.delay ?? 0),
			);
			const oldest = dueSince.length > 0 ? Math.min(...dueSince) : undefined;
			return {
				queue: name,
				waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
				oldestWaitingSeconds:
					oldest === undefined
						? 0
						: Math.max(0, (now.getTime() - oldest) / 1000),
			};
		}),
	);
}
