import type { Job as BullJob, JobState, JobsOptions } from "bullmq";
import type { EnqueueOptions, Job, JobStatus } from "../job-types.js";

/** The custom backoff type whose delays the worker computes with Basalt's backoffDelay. */
export const BASALT_BACKOFF = "basalt";

/** Attempts of a job whose request names none, as with the db driver. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * BullMQ runs priority 1 first and 2^21 - 1 last, and runs jobs without a priority
 * (0) before every prioritized one. Basalt runs higher numbers sooner with 0 as the
 * default, so every job gets a BullMQ priority mirrored around 2^20: Basalt 0 is
 * BullMQ 1 048 576, Basalt +1 048 575 is BullMQ 1, Basalt -1 048 575 is 2 097 151.
 */
const PRIORITY_CENTER = 2 ** 20;
const PRIORITY_SPAN = PRIORITY_CENTER - 1;

/** Clamps a Basalt priority to the range BullMQ can order (±1 048 575, whole). */
export function clampPriority(priority: number): number {
	return Math.max(
		-PRIORITY_SPAN,
		Math.min(PRIORITY_SPAN, Math.round(priority)),
	);
}

/** Maps a Basalt priority (higher first) onto BullMQ's (1 first). */
export function toBullPriority(priority: number): number {
	return PRIORITY_CENTER - clampPriority(priority);
}

/** Maps a BullMQ priority back; 0 (a job added by other code) reads as Basalt's 0. */
export function fromBullPriority(priority: number | undefined): number {
	return priority ? PRIORITY_CENTER - priority : 0;
}

/** What a job is added to BullMQ with, whether directly or from the outbox. */
export interface BullAddRequest {
	id: string;
	name: string;
	payload: unknown;
	options: EnqueueOptions;
	/** When the job was created (the App's clock); BullMQ counts delays from it. */
	createdMs: number;
	/** The W3C traceparent of the span that enqueued it (tracing on). */
	traceParent?: string | undefined;
}

/**
 * The BullMQ options of a Basalt job. BullMQ's own `attempts` equals maxAttempts but
 * the worker decides finality itself (it counts started attempts, as the db driver
 * does, so a job whose worker died also uses one up); the custom backoff lets the
 * worker apply Basalt's exponential backoff with jitter. Completed and failed jobs
 * are kept (no removeOnComplete/removeOnFail) for inspection and retry.
 */
export function bullOptions(request: BullAddRequest): JobsOptions {
	const { options } = request;
	return {
		jobId: request.id,
		timestamp: request.createdMs,
		priority: toBullPriority(options.priority ?? 0),
		delay: Math.max(0, Math.round(options.delayMs ?? 0)),
		attempts: Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
		backoff: { type: BASALT_BACKOFF },
		...(options.uniqueKey ? { deduplication: { id: options.uniqueKey } } : {}),
		// BullMQ's own slot for a propagated trace context, kept with the job in Redis.
		...(request.traceParent
			? { telemetry: { metadata: request.traceParent } }
			: {}),
	};
}

/**
 * Reads a BullMQ state as a Basalt status: `wait` and `prioritized` are both waiting
 * (every Basalt job is prioritized); undefined for `unknown` (no such job).
 */
export function statusOfState(
	state: JobState | "unknown",
): JobStatus | undefined {
	switch (state) {
		case "waiting":
		case "prioritized":
		case "waiting-children":
			return "waiting";
		case "delayed":
			return "delayed";
		case "active":
			return "running";
		case "completed":
		case "failed":
			return state;
		default:
			return undefined;
	}
}

/**
 * Progress is stored wrapped, `{ value }`: BullMQ's default progress is 0, which
 * would be indistinguishable from a handler reporting 0, and Basalt's default is null.
 */
export function wrapProgress(progress: unknown): { value: unknown } {
	return { value: JSON.parse(JSON.stringify(progress ?? null)) };
}

function unwrapProgress(progress: unknown): unknown {
	if (typeof progress === "object" && progress !== null && "value" in progress)
		return (progress as { value: unknown }).value;
	return null;
}

const iso = (ms: number | undefined): string | null =>
	ms ? new Date(ms).toISOString() : null;

/**
 * A BullMQ job as a Basalt Job, given its status. `runAtMs` is when a delayed job is
 * due (from its score in the delayed set, which a backoff moves); without it, the
 * job's original schedule (created + delay).
 */
export function jobFromBull(
	bull: BullJob,
	status: JobStatus,
	runAtMs?: number,
): Job {
	const finished = status === "completed" || status === "failed";
	return {
		id: bull.id ?? "",
		queue: bull.queueName,
		name: bull.name,
		payload: bull.data ?? null,
		status,
		priority: fromBullPriority(bull.priority),
		attempts: bull.attemptsStarted ?? 0,
		maxAttempts: bull.opts.attempts ?? 1,
		progress: unwrapProgress(bull.progress),
		result: status === "completed" ? (bull.returnvalue ?? null) : null,
		lastError: bull.failedReason || null,
		uniqueKey: bull.opts.deduplication?.id ?? null,
		runAt: iso(runAtMs ?? bull.timestamp + (bull.opts.delay ?? 0)) ?? "",
		created: iso(bull.timestamp) ?? "",
		started: iso(bull.processedOn),
		finished: finished ? iso(bull.finishedOn) : null,
		...(bull.opts.telemetry?.metadata
			? { traceParent: bull.opts.telemetry.metadata }
			: {}),
	};
}
