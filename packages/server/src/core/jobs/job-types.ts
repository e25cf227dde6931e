/**
 * Background jobs (docs/jobs.md): what a job is, how it is asked for, and what a
 * handler sees. Both queue drivers (db, bullmq) speak these types.
 */

/** Where a job is in its life. `delayed` is a waiting job whose time has not come. */
export type JobStatus =
	| "waiting"
	| "delayed"
	| "running"
	| "completed"
	| "failed"
	| "cancelled";

/** Every status, for validating filters. */
export const jobStatuses: readonly JobStatus[] = [
	"waiting",
	"delayed",
	"running",
	"completed",
	"failed",
	"cancelled",
];

/** A job as the API shows it. */
export interface Job {
	id: string;
	queue: string;
	name: string;
	payload: unknown;
	status: JobStatus;
	/** Higher runs sooner. */
	priority: number;
	/** Attempts started so far. */
	attempts: number;
	maxAttempts: number;
	progress: unknown;
	result: unknown;
	lastError: string | null;
	uniqueKey: string | null;
	runAt: string;
	created: string;
	started: string | null;
	finished: string | null;
	/** The W3C traceparent of the span that enqueued it, when tracing was on. */
	traceParent?: string;
}

/** How to run a job; every member has a default. */
export interface EnqueueOptions {
	/** The queue (default "default"); each queue has its own concurrency. */
	queue?: string;
	priority?: number;
	/** Run no sooner than this many milliseconds from now. */
	delayMs?: number;
	/** Attempts before the job is failed for good (default 5). */
	maxAttempts?: number;
	/** A job with the same key that is waiting or running makes this one a no-op. */
	uniqueKey?: string;
}

/** A request for a job: the handler's name and its JSON payload. */
export interface EnqueueRequest {
	name: string;
	payload: unknown;
	options?: EnqueueOptions;
	/** Set by JobsService from the active span; workers link the job's span to it. */
	traceParent?: string;
}

/** Filters of GET /api/v1/jobs. */
export interface JobFilter {
	queue?: string | undefined;
	status?: JobStatus | undefined;
	page: number;
	perPage: number;
}

/** What a handler gets for one attempt. */
export interface JobContext {
	job: Job;
	/** 1 for the first attempt. */
	attempt: number;
	/** Aborted when the attempt times out, its lease is lost or the worker stops. */
	signal: AbortSignal;
	/** Records progress (any JSON), visible in GET /api/v1/jobs/{id}. */
	reportProgress(progress: unknown): Promise<void>;
}

/** Does the work of one job; its resolved value is stored as the job's result. */
export type JobHandler = (context: JobContext) => Promise<unknown>;

/** A handler with its limits. */
export interface JobDefinition {
	handler: JobHandler;
	/** An attempt running longer than this is aborted and counts as failed (default 5 min). */
	timeoutMs?: number;
	/**
	 * Called when the job fails for good without its handler seeing the last attempt:
	 * that attempt's worker died (its lease expired). Handlers that keep their own
	 * record of the work (webhook deliveries) close it here.
	 */
	onLostLastAttempt?(job: Job, error: string): Promise<void>;
}

/** Thrown by a handler to fail a job at once, without further attempts. */
export class PermanentJobError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = "PermanentJobError";
	}
}
