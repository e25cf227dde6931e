import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Logger } from "../../tools/logger/index.js";
import type { AttemptObserver, WaitingStats } from "../jobs/index.js";

/** Job duration buckets in seconds: a mail is sent in ms, an import can take minutes. */
const BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** Reads the waiting jobs of every configured queue (the queue driver's view). */
export type WaitingStatsSource = () => Promise<WaitingStats[]>;

/** The job metrics of one App. */
export interface JobMetrics {
	/** Counts an enqueued job. */
	enqueued(queue: string): void;
	/** Hears how each attempt ended (the workers call it). */
	readonly observer: AttemptObserver;
	/**
	 * Reports each queue's waiting jobs and the age of its oldest one at every
	 * scrape, read from `source` (the jobs service, once it exists).
	 */
	observeQueues(source: WaitingStatsSource): void;
	/** Starts every configured queue's counters at zero, so alerts see them. */
	declareQueues(queues: readonly string[]): void;
}

/**
 * The job metrics: jobs enqueued, attempts completed, failed for good and retried by
 * queue, attempt durations by queue and job name, and, computed when Prometheus
 * scrapes, each queue's waiting jobs and the age of its oldest one.
 */
export function createJobMetrics(
	register: Registry,
	options: { logger: Logger },
): JobMetrics {
	const enqueued = new Counter({
		name: "basalt_jobs_enqueued_total",
		help: "Jobs enqueued, by queue.",
		labelNames: ["queue"] as const,
		registers: [register],
	});
	const completed = new Counter({
		name: "basalt_jobs_completed_total",
		help: "Job attempts that completed the job, by queue.",
		labelNames: ["queue"] as const,
		registers: [register],
	});
	const failed = new Counter({
		name: "basalt_jobs_failed_total",
		help: "Job attempts that failed the job for good (last attempt or a permanent error), by queue.",
		labelNames: ["queue"] as const,
		registers: [register],
	});
	const retried = new Counter({
		name: "basalt_jobs_retried_total",
		help: "Job attempts that failed and left the job to be retried after a backoff, by queue.",
		labelNames: ["queue"] as const,
		registers: [register],
	});
	const duration = new Histogram({
		name: "basalt_job_duration_seconds",
		help: "Time one job attempt took, in seconds, by queue and job name.",
		labelNames: ["queue", "name"] as const,
		buckets: BUCKETS,
		registers: [register],
	});
	const observer: AttemptObserver = (job, outcome, seconds) => {
		const labels = { queue: job.queue };
		duration.observe({ queue: job.queue, name: job.name }, seconds);
		if (outcome === "completed") completed.inc(labels);
		else if (outcome === "failed") failed.inc(labels);
		else retried.inc(labels);
	};
	return {
		enqueued(queue: string): void {
			enqueued.inc({ queue });
		},
		observer,
		observeQueues(source: WaitingStatsSource): void {
			const stats = createStatsReader(source, options.logger);
			new Gauge({
				name: "basalt_jobs_waiting",
				help: "Jobs due to run and not yet started, by queue (read from the queue at scrape time).",
				labelNames: ["queue"] as const,
				registers: [register],
				async collect() {
					this.reset();
					for (const queue of await stats.read())
						this.set({ queue: queue.queue }, queue.waiting);
				},
			});
			new Gauge({
				name: "basalt_jobs_oldest_waiting_age_seconds",
				help: "How long the oldest due job of each queue has waited, in seconds (0 when none waits).",
				labelNames: ["queue"] as const,
				registers: [register],
				async collect() {
					this.reset();
					for (const queue of await stats.read())
						this.set({ queue: queue.queue }, queue.oldestWaitingSeconds);
				},
			});
		},
		declareQueues(queues: readonly string[]): void {
			for (const queue of queues)
				for (const counter of [enqueued, completed, failed, retried])
					counter.inc({ queue }, 0);
		},
	};
}

/**
 * Reads the queue statistics once per scrape: prom-client collects both gauges at
 * once, so they share the read in progress. A failed read (the database or Redis
 * down) leaves the gauges empty rather than failing the whole scrape.
 */
function createStatsReader(source: WaitingStatsSource, logger: Logger) {
	let pending: Promise<WaitingStats[]> | undefined;
	return {
		read(): Promise<WaitingStats[]> {
			pending ??= source()
				.catch((err: unknown) => {
					logger.warn({ err }, "metrics: reading the job queues failed");
					return [];
				})
				.finally(() => {
					pending = undefined;
				});
			return pending;
		},
	};
}
