import { performance } from "node:perf_hooks";
import {
	type Job as BullJob,
	UnrecoverableError,
	WaitingError,
	Worker,
} from "bullmq";
import type { Logger } from "../../../tools/logger/index.js";
import { backoffDelay } from "../backoff.js";
import type { JobWorker, WorkerOptions } from "../queue-driver.js";
import {
	type AttemptOutcome,
	attemptResultOf,
	LEASE_EXPIRED,
	runAttempt,
} from "../run-attempt.js";
import { within } from "../within.js";
import { jobFromBull, wrapProgress } from "./bullmq-job.js";
import type { BullmqQueues } from "./bullmq-queues.js";

/** What a BullmqWorker needs. */
export interface BullmqWorkerDeps {
	queues: BullmqQueues;
	logger: Logger;
	options: WorkerOptions;
	onStop(): void;
}

interface Running {
	controller: AbortController;
	/** Set when the worker aborted the attempt to stop: the job goes back, unfailed. */
	stopping: boolean;
}

/**
 * BullMQ fails a job that stalled more than maxStalledCount times; Basalt counts a
 * stalled run as a started attempt instead (see #process), so BullMQ's own limit is
 * set out of the way.
 */
const MAX_STALLS = 1_000_000;
const BEAT_MS = 5000;
/** How long a stopping worker waits, once its jobs are aborted, for BullMQ to close. */
const CLOSE_MS = 5000;

/**
 * Works Basalt's queues with one BullMQ Worker per configured queue (its concurrency
 * is the queue's). BullMQ claims, locks and renews; each attempt runs through
 * runAttempt, so timeouts, JSON results and handler errors behave as with the db
 * driver, and this class decides whether a failure is final.
 */
export class BullmqWorker implements JobWorker {
	#deps: BullmqWorkerDeps;
	#workers: Worker[] = [];
	#running = new Map<string, Running>();
	#lastBeat = Date.now();
	#beat: NodeJS.Timeout | undefined;
	#beating = false;
	#stopped: Promise<void> | undefined;

	constructor(deps: BullmqWorkerDeps) {
		this.#deps = deps;
	}

	/** Starts a BullMQ Worker for every configured queue. */
	start(): void {
		for (const [queue, concurrency] of Object.entries(
			this.#deps.options.queues,
		))
			this.#workers.push(this.#createWorker(queue, concurrency));
		this.#beat = setInterval(
			() => void this.#heartbeat(),
			Math.min(BEAT_MS, this.#deps.options.leaseMs),
		);
		this.#beat.unref();
	}

	lastBeat(): number {
		return this.#lastBeat;
	}

	stop(graceMs: number): Promise<void> {
		this.#stopped ??= this.#stop(graceMs);
		return this.#stopped;
	}

	async #stop(graceMs: number): Promise<void> {
		clearInterval(this.#beat);
		// close() stops claiming at once and resolves when running jobs have finished.
		const closed = Promise.allSettled(this.#workers.map((w) => w.close()));
		if (!(await within(closed, graceMs))) {
			for (const running of this.#running.values()) {
				running.stopping = true;
				running.controller.abort(new Error("the worker is stopping"));
			}
			if (!(await within(closed, CLOSE_MS)))
				this.#deps.logger.warn(
					"the job worker did not close in time; is Redis reachable?",
				);
		}
		this.#deps.onStop();
	}

	#createWorker(queue: string, concurrency: number): Worker {
		const { options, queues } = this.#deps;
		const worker = new Worker(
			queue,
			(job: BullJob, token?: string) => this.#process(job, token),
			{
				connection: queues.redis,
				prefix: queues.prefix,
				concurrency,
				// The lease: a worker that stops renewing (it died) loses the job once the
				// lock expires, and the stalled check, run every leaseMs by one of the
				// workers, puts it back: it runs again within about 2-3 leases.
				lockDuration: options.leaseMs,
				stalledInterval: options.leaseMs,
				maxStalledCount: MAX_STALLS,
				// BullMQ passes the number of failed attempts, the db driver's `attempts`
				// when no run stalled.
				settings: {
					backoffStrategy: (failed: number) =>
						backoffDelay(failed, options.backoffMs),
				},
			},
		);
		const beat = () => {
			this.#lastBeat = Date.now();
		};
		worker.on("ready", beat);
		worker.on("active", beat);
		worker.on("completed", beat);
		worker.on("failed", beat);
		worker.on("error", (err: unknown) => queues.reportError(err, { queue }));
		worker.on("lockRenewalFailed", (ids: string[]) => {
			for (const id of ids)
				this.#running
					.get(id)
					?.controller.abort(new Error("the job's lease was lost"));
		});
		return worker;
	}

	/**
	 * Runs one attempt and tells BullMQ how it ended: a value completes the job, an
	 * UnrecoverableError fails it for good, another error retries it after the
	 * backoff, a WaitingError (after giving the job back) leaves it alone.
	 */
	async #process(bull: BullJob, token?: string): Promise<unknown> {
		this.#lastBeat = Date.now();
		const job = jobFromBull(bull, "running");
		// A run beyond maxAttempts means earlier runs died with their worker.
		const definition = this.#deps.options.definitions.get(job.name);
		if (job.attempts > job.maxAttempts) {
			await definition?.onLostLastAttempt?.(job, LEASE_EXPIRED);
			throw new UnrecoverableError(LEASE_EXPIRED);
		}
		if (!definition)
			throw new UnrecoverableError(
				`no handler is registered for "${job.name}"`,
			);
		const running: Running = {
			controller: new AbortController(),
			stopping: false,
		};
		this.#running.set(job.id, running);
		let outcome: AttemptOutcome;
		const started = performance.now();
		try {
			outcome = await runAttempt(definition, job, {
				attempt: job.attempts,
				stop: running.controller.signal,
				reportProgress: (progress) =>
					bull.updateProgress(wrapProgress(progress)),
			});
		} finally {
			this.#running.delete(job.id);
		}
		const given = outcome.ok || !(running.stopping && token);
		const result = attemptResultOf(job, outcome);
		if (given)
			this.#deps.options.observeAttempt?.(
				job,
				result,
				(performance.now() - started) / 1000,
			);
		if (outcome.ok) return outcome.result;
		if (running.stopping && token) {
			await this.#giveBack(bull, token);
			throw new WaitingError();
		}
		// Basalt counts started attempts (a run whose worker died included), so it,
		// not BullMQ's attemptsMade, decides when a failure is the last one.
		if (result === "failed") throw new UnrecoverableError(outcome.error);
		throw new Error(outcome.error);
	}

	/**
	 * Stopping is not the job's fault: like the db driver, give the attempt back and
	 * put the job back in its queue for another worker. BullMQ's moveToWait keeps the
	 * started count (`ats` in the job hash), so it is decremented first, while this
	 * worker still holds the job's lock and no other worker can read it.
	 */
	async #giveBack(bull: BullJob, token: string): Promise<void> {
		const { queues } = this.#deps;
		await queues.redis.hincrby(
			queues.jobKey(bull.queueName, bull.id ?? ""),
			"ats",
			-1,
		);
		await bull.moveToWait(token);
	}

	/** Readiness: Redis answers and every BullMQ Worker still runs. */
	async #heartbeat(): Promise<void> {
		if (this.#beating) return;
		this.#beating = true;
		try {
			await this.#deps.queues.redis.ping();
			if (this.#workers.every((w) => w.isRunning()))
				this.#lastBeat = Date.now();
		} catch (err: unknown) {
			this.#deps.logger.warn({ err }, "job worker heartbeat failed");
		} finally {
			this.#beating = false;
		}
	}
}
