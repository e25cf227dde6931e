import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { IdGenerator } from "../../../tools/ids/index.js";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import { backoffDelay } from "../backoff.js";
import type { Job } from "../job-types.js";
import type { JobWorker, WorkerOptions } from "../queue-driver.js";
import {
	type AttemptOutcome,
	attemptResultOf,
	runAttempt,
} from "../run-attempt.js";
import { claimJobs } from "./claim-jobs.js";

/** What a DbWorker needs. */
export interface DbWorkerDeps {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	options: WorkerOptions;
	toJob(row: Record<string, unknown>): Job;
	onStop(): void;
}

interface Running {
	controller: AbortController;
	done: Promise<void>;
	/** Set when another worker took the job over: this one must not record anything. */
	leaseLost: boolean;
}

/**
 * Works the `_jobs` table: polls each queue, claims as many due jobs as the queue has
 * free slots, runs them with a lease it keeps extending, and records each outcome.
 * A claim that fills every slot polls again at once; an idle queue waits `pollMs`
 * (or until a local enqueue wakes it).
 */
export class DbWorker implements JobWorker {
	readonly id =
		`${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
	#deps: DbWorkerDeps;
	#stopping = false;
	#running = new Map<string, Running>();
	#busy = new Map<string, number>();
	#timers = new Map<string, NodeJS.Timeout>();
	#polling = new Set<string>();
	/** Polls in progress: their claims may still be on the way back from the database. */
	#polls = new Set<Promise<void>>();
	#lastBeat = Date.now();

	constructor(deps: DbWorkerDeps) {
		this.#deps = deps;
	}

	/** Starts polling every configured queue. */
	start(): void {
		for (const queue of Object.keys(this.#deps.options.queues))
			this.#schedule(queue, 0);
	}

	/** Polls a queue soon: a job was just enqueued in this process. */
	wake(queue: string): void {
		if (queue in this.#deps.options.queues) this.#schedule(queue, 0);
	}

	/** Polls every queue soon. */
	wakeAll(): void {
		for (const queue of Object.keys(this.#deps.options.queues))
			this.#schedule(queue, 0);
	}

	lastBeat(): number {
		return this.#lastBeat;
	}

	async stop(graceMs: number): Promise<void> {
		this.#stopping = true;
		for (const timer of this.#timers.values()) clearTimeout(timer);
		this.#timers.clear();
		// A claim committed just before the stop is already "running" in the database:
		// wait for it to come back and launch, so its jobs are finished like the rest
		// instead of starting after stop() returned.
		await Promise.allSettled([...this.#polls]);
		const all = () =>
			Promise.allSettled([...this.#running.values()].map((r) => r.done));
		await Promise.race([
			all(),
			new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
		]);
		for (const running of this.#running.values())
			running.controller.abort(new Error("the worker is stopping"));
		await all();
		this.#deps.onStop();
	}

	#schedule(queue: string, delayMs: number): void {
		if (this.#stopping) return;
		clearTimeout(this.#timers.get(queue));
		const timer = setTimeout(() => {
			const poll = this.#poll(queue);
			this.#polls.add(poll);
			void poll.finally(() => this.#polls.delete(poll));
		}, delayMs);
		timer.unref();
		this.#timers.set(queue, timer);
	}

	async #poll(queue: string): Promise<void> {
		if (this.#stopping || this.#polling.has(queue)) return;
		const free =
			(this.#deps.options.queues[queue] ?? 0) - (this.#busy.get(queue) ?? 0);
		if (free <= 0) return; // a finishing job polls again
		this.#polling.add(queue);
		try {
			const now = this.#deps.clock();
			const rows = await claimJobs(this.#deps.db, {
				queue,
				limit: free,
				workerId: this.id,
				now: now.toISOString(),
				leaseUntil: new Date(
					now.getTime() + this.#deps.options.leaseMs,
				).toISOString(),
			});
			this.#lastBeat = Date.now();
			for (const row of rows) this.#launch(queue, this.#deps.toJob(row));
			this.#schedule(
				queue,
				rows.length === free ? 0 : this.#deps.options.pollMs,
			);
		} catch (err: unknown) {
			this.#deps.logger.warn({ err, queue }, "job queue poll failed; retrying");
			this.#schedule(queue, this.#deps.options.pollMs * 2);
		} finally {
			this.#polling.delete(queue);
		}
	}

	#launch(queue: string, job: Job): void {
		this.#busy.set(queue, (this.#busy.get(queue) ?? 0) + 1);
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
				this.#busy.set(queue, (this.#busy.get(queue) ?? 1) - 1);
				this.#schedule(queue, 0);
			});
	}

	async #attempt(job: Job, running: Running): Promise<void> {
		const definition = this.#deps.options.definitions.get(job.name);
		if (job.attempts > job.maxAttempts) {
			const error = "its worker stopped before it finished (the lease expired)";
			await definition?.onLostLastAttempt?.(job, error);
			return this.#fail(job, error, true);
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
		if (this.#stopping) {
			await this.#update(job, {
				status: "waiting",
				attempts: job.attempts - 1,
				locked_by: null,
				locked_until: null,
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
		});
	}

	async #extendLease(job: Job, running: Running): Promise<void> {
		try {
			const until = new Date(
				this.#deps.clock().getTime() + this.#deps.options.leaseMs,
			).toISOString();
			const changed = await this.#update(job, { locked_until: until });
			this.#lastBeat = Date.now();
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
			.where("locked_by", "=", this.id)
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
