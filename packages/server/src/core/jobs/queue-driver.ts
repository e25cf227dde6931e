import type { Executor } from "../db/index.js";
import type {
	EnqueueRequest,
	Job,
	JobDefinition,
	JobFilter,
} from "./job-types.js";

/** How a worker runs: which handlers, how many jobs at once per queue. */
export interface WorkerOptions {
	/** Handlers by job name. */
	definitions: ReadonlyMap<string, JobDefinition>;
	/** Queue name to concurrency; only these queues are worked. */
	queues: Readonly<Record<string, number>>;
	/** How long a claimed job stays the worker's without a heartbeat. */
	leaseMs: number;
	/** How often an idle worker looks for work (the db driver; bullmq blocks instead). */
	pollMs: number;
	/** The first retry's wait; each further one doubles it (with jitter). */
	backoffMs: number;
	/** Hears how each attempt ended (the metrics); must be cheap and never throw. */
	observeAttempt?: AttemptObserver;
}

/** How an attempt left its job: done, failed for good, or waiting for a retry. */
export type AttemptResult = "completed" | "failed" | "retried";

/** Hears one finished attempt and how long it ran, in seconds. */
export type AttemptObserver = (
	job: Job,
	result: AttemptResult,
	seconds: number,
) => void;

/** A queue's jobs that are due and not started, for the metrics. */
export interface WaitingStats {
	queue: string;
	waiting: number;
	/** How long the oldest of them has been due, in seconds; 0 when none waits. */
	oldestWaitingSeconds: number;
}

/** A running worker. */
export interface JobWorker {
	/**
	 * Stops claiming, waits up to `graceMs` for running jobs, then aborts the rest
	 * (their leases expire and another worker runs them again).
	 */
	stop(graceMs: number): Promise<void>;
	/** When the worker last completed a poll or heartbeat, for readiness. */
	lastBeat(): number;
}

/**
 * A durable job queue, one swappable part with three real implementations
 * (docs/architecture.md#drivers-and-dialects). Semantics every driver keeps:
 * at-least-once delivery, attempts with exponential backoff and jitter, leases so a
 * dead worker's job runs again, failed jobs kept with their error, priorities, delays,
 * unique keys, per-queue concurrency, graceful stop, progress.
 */
export interface QueueDriver {
	readonly name: "db" | "bullmq" | "rabbitmq";
	/**
	 * Adds a job. Given a transaction, the job commits or rolls back with it (a
	 * transactional outbox): a record write and the jobs it causes are one unit.
	 */
	enqueue(request: EnqueueRequest, trx?: Executor): Promise<Job>;
	getJob(id: string): Promise<Job | undefined>;
	listJobs(filter: JobFilter): Promise<{ items: Job[]; totalItems: number }>;
	/** Puts a failed or cancelled job back in its queue; false if it is not one. */
	retryJob(id: string): Promise<boolean>;
	/** Cancels a waiting or delayed job; false if it is not one. */
	cancelJob(id: string): Promise<boolean>;
	/** Deletes completed, failed and cancelled jobs that ended before `before`; returns how many. */
	purgeFinished(before: Date): Promise<number>;
	/** Counts each queue's due, unstarted jobs and the age of the oldest (read at scrape time). */
	waitingStats(queues: readonly string[]): Promise<WaitingStats[]>;
	startWorker(options: WorkerOptions): JobWorker;
	/**
	 * What is wrong with a part the queue works without for a while (rabbitmq: the
	 * broker is away, jobs wait in the database): /health/ready reports it as
	 * `degraded`. Undefined when all is well or the driver has no such part.
	 */
	degradation?(): Promise<string | undefined>;
	close(): Promise<void>;
}
