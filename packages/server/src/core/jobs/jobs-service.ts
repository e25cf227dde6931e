import type { Logger } from "../../tools/logger/index.js";
import type { Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Tracing } from "../tracing/index.js";
import type {
	EnqueueRequest,
	Job,
	JobDefinition,
	JobFilter,
} from "./job-types.js";
import type {
	AttemptObserver,
	JobWorker,
	QueueDriver,
	WaitingStats,
} from "./queue-driver.js";
import { traceJobDefinition } from "./traced-job.js";

/** Who hears the life of jobs (the metrics); every member is optional. */
export interface JobsObserver {
	/** A job was enqueued in `queue`. */
	enqueued?(queue: string): void;
	/** An attempt ended (completed, failed for good, or to be retried). */
	attemptEnded?: AttemptObserver;
}

/** How the jobs of one App run. */
export interface JobsSettings {
	/** Queue name to how many of its jobs one worker runs at once. */
	queues: Readonly<Record<string, number>>;
	leaseMs: number;
	pollMs: number;
	/** How long a stopping worker waits for running jobs. */
	drainMs: number;
	/** The first retry's wait (default 1 s); later ones double it. */
	backoffMs?: number;
}

/**
 * The jobs of one App: the handlers by name, the queue driver, and the worker's
 * lifecycle. `basalt serve` and `basalt worker` share it, so both run the same
 * handlers; the API layer reads and manages jobs only through it.
 */
export class JobsService {
	readonly driver: QueueDriver;
	readonly settings: JobsSettings;
	#logger: Logger;
	#definitions = new Map<string, JobDefinition>();
	#worker: JobWorker | undefined;
	#observer: JobsObserver;
	#tracing: Tracing | undefined;

	constructor(deps: {
		driver: QueueDriver;
		settings: JobsSettings;
		logger: Logger;
		observer?: JobsObserver;
		/** When set, jobs remember the span that enqueued them and run in spans. */
		tracing?: Tracing;
	}) {
		this.driver = deps.driver;
		this.settings = deps.settings;
		this.#logger = deps.logger;
		this.#observer = deps.observer ?? {};
		this.#tracing = deps.tracing;
	}

	/** Registers the handler for a job name; a name has one handler. */
	register(name: string, definition: JobDefinition): void {
		if (this.#definitions.has(name))
			throw new Error(`a handler for "${name}" is already registered`);
		this.#definitions.set(name, definition);
	}

	/** Tells whether a handler is registered for a job name. */
	hasHandler(name: string): boolean {
		return this.#definitions.has(name);
	}

	/** Adds a job, inside `trx` when given (it then commits or rolls back with it). */
	async enqueue(request: EnqueueRequest, trx?: Executor): Promise<Job> {
		const queue = request.options?.queue ?? "default";
		if (!(queue in this.settings.queues))
			throw new Error(`no queue "${queue}" is configured`);
		const traceParent = this.#tracing?.traceParent();
		const job = await this.driver.enqueue(
			traceParent ? { ...request, traceParent } : request,
			trx,
		);
		this.#observer.enqueued?.(queue);
		return job;
	}

	/** Each configured queue's due, unstarted jobs and the age of the oldest. */
	waitingStats(): Promise<WaitingStats[]> {
		return this.driver.waitingStats(Object.keys(this.settings.queues));
	}

	/** Gets a job or throws JOB_NOT_FOUND. */
	async get(id: string): Promise<Job> {
		const job = await this.driver.getJob(id);
		if (!job)
			throw new AppError("JOB_NOT_FOUND", {
				detail: `No job "${id.slice(0, 64)}".`,
			});
		return job;
	}

	/** Lists jobs, newest first; an unknown queue is QUEUE_NOT_FOUND. */
	async list(filter: JobFilter) {
		if (filter.queue !== undefined && !(filter.queue in this.settings.queues)) {
			throw new AppError("QUEUE_NOT_FOUND", {
				detail: `No queue "${filter.queue.slice(0, 64)}".`,
			});
		}
		return this.driver.listJobs(filter);
	}

	/** Puts a failed or cancelled job back in its queue; 409 for any other state. */
	async retry(id: string): Promise<Job> {
		const job = await this.get(id);
		if (!(await this.driver.retryJob(id))) {
			throw new AppError("JOB_NOT_RETRYABLE", {
				detail: `The job is ${job.status}.`,
			});
		}
		return this.get(id);
	}

	/** Cancels a waiting or delayed job; 409 for any other state. */
	async cancel(id: string): Promise<Job> {
		const job = await this.get(id);
		if (!(await this.driver.cancelJob(id))) {
			throw new AppError("JOB_NOT_CANCELLABLE", {
				detail: `The job is ${job.status}.`,
			});
		}
		return this.get(id);
	}

	/** Starts this process's worker for every configured queue. */
	startWorker(): void {
		if (this.#worker) return;
		const tracing = this.#tracing;
		this.#worker = this.driver.startWorker({
			definitions: tracing
				? new Map(
						[...this.#definitions].map(([name, definition]) => [
							name,
							traceJobDefinition(tracing, definition),
						]),
					)
				: this.#definitions,
			queues: this.settings.queues,
			leaseMs: this.settings.leaseMs,
			pollMs: this.settings.pollMs,
			backoffMs: this.settings.backoffMs ?? 1000,
			...(this.#observer.attemptEnded
				? { observeAttempt: this.#observer.attemptEnded }
				: {}),
		});
		this.#logger.info(
			{ queues: this.settings.queues, driver: this.driver.name },
			"job worker started",
		);
	}

	/**
	 * Tells whether this process's worker is alive: it has polled or extended a lease
	 * recently. True when the process runs no worker.
	 */
	isWorkerHealthy(now = Date.now()): boolean {
		if (!this.#worker) return true;
		return (
			now - this.#worker.lastBeat() <
			Math.max(30_000, this.settings.pollMs * 10)
		);
	}

	/** Stops the worker (draining running jobs) and the driver. */
	async stop(): Promise<void> {
		const worker = this.#worker;
		this.#worker = undefined;
		await worker?.stop(this.settings.drainMs);
		await this.driver.close();
	}
}
