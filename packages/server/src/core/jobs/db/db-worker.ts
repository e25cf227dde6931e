import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { IdGenerator } from "../../../tools/ids/index.js";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import type { Job } from "../job-types.js";
import { LeasedAttempts } from "../leased-attempts.js";
import type { JobWorker, WorkerOptions } from "../queue-driver.js";
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

/**
 * Works the `_jobs` table: polls each queue, claims as many due jobs as the queue has
 * free slots, and runs them as LeasedAttempts. A claim that fills every slot polls
 * again at once; an idle queue waits `pollMs` (or until a local enqueue wakes it).
 */
export class DbWorker implements JobWorker {
	readonly id =
		`${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
	#deps: DbWorkerDeps;
	#stopping = false;
	#attempts: LeasedAttempts;
	#busy = new Map<string, number>();
	#timers = new Map<string, NodeJS.Timeout>();
	#polling = new Set<string>();
	/** Polls in progress: their claims may still be on the way back from the database. */
	#polls = new Set<Promise<void>>();
	#lastBeat = Date.now();

	constructor(deps: DbWorkerDeps) {
		this.#deps = deps;
		this.#attempts = new LeasedAttempts({
			...deps,
			workerId: this.id,
			onSettled: (job) => {
				this.#busy.set(job.queue, (this.#busy.get(job.queue) ?? 1) - 1);
				this.#schedule(job.queue, 0);
			},
			onBeat: () => {
				this.#lastBeat = Date.now();
			},
		});
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
		await this.#attempts.stop(graceMs);
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
		this.#attempts.launch(job);
	}
}
