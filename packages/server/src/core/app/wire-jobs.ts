import type { MailTransport } from "../../tools/mailer/index.js";
import { CronScheduler, JobsService } from "../jobs/index.js";
import { createMailService, type MailService } from "../mail/index.js";
import type { AreaContribution } from "./area.js";
import type {
	AppParts,
	QueueDriverContext,
	SharedParts,
} from "./shared-parts.js";

/** The job queue with its worker, the cron scheduler, and mail (sent by jobs). */
export interface JobsArea {
	jobs: JobsService;
	cron: CronScheduler;
	mail: MailService;
	contribution: AreaContribution;
}

/**
 * Wires the jobs service on the queue driver index.ts or the CLI chose, the cron
 * scheduler and the mail service. On close the schedules stop first, then the worker
 * drains its running jobs, then mail lets go of its transport.
 */
export function wireJobs(
	shared: SharedParts,
	parts: { queueDriver: AppParts["queueDriver"]; mailTransport: MailTransport },
): JobsArea {
	const { db, newId, clock, logger, config, metrics } = shared;
	const context: QueueDriverContext = { db, newId, clock, logger };
	metrics.jobs.declareQueues(Object.keys(config.jobs.queues));
	const jobs = new JobsService({
		driver: parts.queueDriver(context),
		settings: {
			queues: config.jobs.queues,
			leaseMs: config.jobs.leaseMs,
			pollMs: config.jobs.pollMs,
			drainMs: config.shutdown.drainMs,
			backoffMs: config.jobs.backoffMs,
		},
		logger,
		observer: {
			enqueued: (queue) => metrics.jobs.enqueued(queue),
			attemptEnded: metrics.jobs.observer,
		},
		...(shared.tracing ? { tracing: shared.tracing } : {}),
	});
	metrics.jobs.observeQueues(() => jobs.waitingStats());
	const { driver } = jobs;
	const cron = new CronScheduler({ db, jobs, logger, clock });
	const mail = createMailService({ jobs, transport: parts.mailTransport });
	return {
		jobs,
		cron,
		mail,
		contribution: {
			purgeSteps: [
				{ name: "jobs", run: (cutoff) => jobs.driver.purgeFinished(cutoff) },
			],
			readinessChecks: {
				jobs: async () =>
					jobs.isWorkerHealthy()
						? undefined
						: "the job worker has not polled recently",
			},
			// RabbitMQ away: jobs are still taken (rows in the database), and sent later.
			...(driver.degradation
				? { degradationChecks: { queue: async () => driver.degradation?.() } }
				: {}),
			async close() {
				cron.stop();
				await jobs.stop();
				await mail.close();
			},
		},
	};
}
