export { backoffDelay } from "./backoff.js";
// Types only: the BullMQ driver (and bullmq, ioredis) is loaded from
// ./bullmq/bullmq-queue-driver.js when BASALT_QUEUE=bullmq.
export type { BullmqQueueDeps } from "./bullmq/bullmq-queue-driver.js";
export { type CronEntry, CronScheduler } from "./cron-scheduler.js";
export { createDbQueueDriver, type DbQueueDeps } from "./db/db-queue-driver.js";
export { callerNow } from "./job-caller.js";
export {
	type EnqueueOptions,
	type EnqueueRequest,
	type Job,
	type JobContext,
	type JobDefinition,
	type JobFilter,
	type JobHandler,
	type JobStatus,
	jobStatuses,
	PermanentJobError,
} from "./job-types.js";
export {
	type JobsObserver,
	JobsService,
	type JobsSettings,
} from "./jobs-service.js";
export {
	PURGE_JOB,
	type PurgeStep,
	registerMaintenance,
} from "./maintenance.js";
export type {
	AttemptObserver,
	AttemptResult,
	JobWorker,
	QueueDriver,
	WaitingStats,
	WorkerOptions,
} from "./queue-driver.js";
