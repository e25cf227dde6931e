import { performance } from "node:perf_hooks";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { backoffDelay } from "./backoff.js";
import type { Job } from "./job-types.js";
import type { WorkerOptions } from "./queue-driver.js";
import {
	type AttemptOutcome,
	attemptResultOf,
	LEASE_EXPIRED,
	runAttempt,
} from "./run-attempt.js";

/** What LeasedAttempts needs. */
export interface LeasedAttemptsDeps {
	db: Database;
	clock: Clock;
	logger: Logger;
	options: WorkerOptions;
	/** The worker holding the leases (`_jobs.locked_by`). */
	workerId: string;
	/** Called after each attempt, whatever its end: its slot is free again. */
	onSettled(job: Job): void;
	/** Called after each heartbeat that reached the database, for readiness. */
	onBeat(): void;
	/** Called after a job failed for good (rabbitmq: its dead-letter message). */
	onFailedForGood?(job: Job, error: string): Promise<void>;
}

interface Running {
	controller: AbortController;
	done: Promise<void>;
	/** Set when another worker took the job over: this one must not record anything. */
	leaseLost: boolean;
}

/**
 * Runs claimed `_jobs` rows (the db and rabbitmq drivers share it): each attempt under
 * a lease it keeps extending, its outcome recorded only while the lease is still its
 * own: completed with its result, failed for good, or back to waiting with a backoff.
 * A stop gives unfinished attempts back without counting them.
 */
export class LeasedAttempts {
	#deps: LeasedAttemptsDeps;
	#running = new Map<string, Running>();
	#stopping = false;

	constructor(deps: LeasedAttemptsDeps) {
		this.#deps = deps;
	}

	/** How many attempts are running. */
	get size(): number {
		return this.#running.size;
	}

	/**
	 * Waits up to `graceMs` for running attempts, then aborts the rest (they are
	 * given back to waiting, or their leases expire if that fails too).
	 */
	async stop(graceMs: number): Promise<void> {
		this.#stopping = true;
		const all = () =>
			Promise.allSettled([...this.#running.values()].map((r) => r.done));
		await Promise.race([
			all(),
			new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
		]);
		for (const running of this.#running.values())
			running.controller.abort(new Error("the worker is stopping"));
		await all();
	}

	/** Runs one attempt of a job this worker just claimed. */
	launch(job: Job): void {
		const running: Running = {
			controller: new AbortController(),
			done: Promise.resolve(),
			leaseLost: false,
		};
		this.#running.set(job.id, running);
		running.done = this.#attempt(job, running)
			.catch((err: unknown) =>
				this.#deps.logger.error(
					{ err, jobId: job.id },
					"recording a job outcome failed",
				),
			)
			.finally(() => {
				this.#running.delete(job.id);
				this.#deps.onSettled(job);
			});
	}

	async #attempt(job: Job, running: Running): Promise<void> {
		const definition = this.#deps.options.definitions.get(job.name);
		if (job.attempts > job.maxAttempts) {
			await definition?.onLostLastAttempt?.(job, LEASE_EXPIRED);
			return this.#fail(job, LEASE_EXPIRED, true);
		}
		if (!definition)
			return this.#fail(
				job,
				`no handler is registered for "${job.name}"`,
				true,
			);
		const heartbeat = setInterval(
			() => void this.#extendLease(job, running),
			this.#deps.options.leaseMs / 3,
		);
		heartbeat.unref();
		let outcome: AttemptOutcome;
		const started = performance.now();
		try {
			outcome = await runAttempt(definition, job, {
				attempt: job.attempts,
				stop: running.controller.signal,
				reportProgress: async (progress) => {
					await this.#update(job, { progress: this.#json(progress) });
				},
			});
		} finally {
			clearInterval(heartbeat);
		}
		if (running.leaseLost) return;
		if (!this.#stopping || outcome.ok)
			this.#deps.options.observeAttempt?.(
				job,
				attemptResultOf(job, outcome),
				(performance.now() - started) / 1000,
			);
		if (outcome.ok) {
			await this.#update(job, {
				status: "completed",
				result: this.#json(outcome.result),
				finished: this.#now(),
				locked_by: null,
				locked_until: null,
			});
			return;
		}
		// Stopping is not the job's fault: give the attempt back and let it run again.
		// A job back to waiting has no message sent for it yet (the rabbitmq driver's
		// relay sends one; the other drivers ignore the column).
		if (this.#stopping) {
			await this.#update(job, {
				status: "waiting",
				attempts: job.attempts - 1,
				locked_by: null,
				locked_until: null,
				published_at: null,
			});
			return;
		}
		await this.#fail(
			job,
			outcome.error,
			attemptResultOf(job, outcome) === "failed",
		);
	}

	async #fail(job: Job, error: string, final: boolean): Promise<void> {
		if (final) {
			await this.#update(job, {
				status: "failed",
				last_error: error,
				finished: this.#now(),
				locked_by: null,
				locked_until: null,
			});
			this.#deps.logger.warn(
				{ jobId: job.id, name: job.name, attempts: job.attempts, error },
				"job failed",
			);
			await this.#deps.onFailedForGood?.(job, error);
			return;
		}
		const retryAt = new Date(
			this.#deps.clock().getTime() +
				backoffDelay(job.attempts, this.#deps.options.backoffMs),
		).toISOString();
		await this.#update(job, {
			status: "waiting",
			last_error: error,
			run_at: retryAt,
			locked_by: null,
			locked_until: null,
			published_at: null,
		});
	}

	async #extendLease(job: Job, running: Running): Promise<void> {
		try {
			const until = new Date(
				this.#deps.clock().getTime() + this.#deps.options.leaseMs,
			).toISOString();
			const changed = await this.#update(job, { locked_until: until });
			this.#deps.onBeat();
			if (!changed) {
				running.leaseLost = true;
				running.controller.abort(new Error("the job's lease was lost"));
			}
		} catch (err: unknown) {
			this.#deps.logger.warn(
				{ err, jobId: job.id },
				"extending a job lease failed",
			);
		}
	}

	/** Updates the job only while this worker still holds it. */
	async #update(job: Job, values: Record<string, unknown>): Promise<boolean> {
		const result = await this.#deps.db.kysely
			.updateTable("_jobs")
			.set(values)
			.where("id", "=", job.id)
			.where("locked_by", "=", this.#deps.workerId)
			.executeTakeFirst();
		return Number(result.numUpdatedRows) > 0;
	}

	#json(value: unknown): unknown {
		return this.#deps.db.dialect.encode("json", value ?? null);
	}

	#now(): string {
		return this.#deps.clock().toISOString();
	}
}
