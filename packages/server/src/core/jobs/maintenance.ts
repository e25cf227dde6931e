import type { Database } from "../db/index.js";
import type { CronEntry } from "./cron-scheduler.js";
import type { JobsService } from "./jobs-service.js";

/** The built-in clean-up job. */
export const PURGE_JOB = "basalt.maintenance.purge";

/** Keep cron run markers this long: far longer than any clock skew between processes. */
const CRON_RUN_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Registers Basalt's own clean-up job and returns its schedule (hourly): it deletes
 * expired idempotency keys (SPEC section 4: answers are replayed for 24 h) and old
 * cron run markers.
 */
export function registerMaintenance(deps: {
	db: Database;
	jobs: JobsService;
	clock: () => Date;
}): CronEntry[] {
	deps.jobs.register(PURGE_JOB, {
		handler: async () => {
			const now = deps.clock();
			const keys = await deps.db.kysely
				.deleteFrom("_idempotency_keys")
				.where("expires", "<=", now.toISOString())
				.executeTakeFirst();
			const cutoff = new Date(
				now.getTime() - CRON_RUN_RETENTION_MS,
			).toISOString();
			const runs = await deps.db.kysely
				.deleteFrom("_cron_runs")
				.where("scheduled_at", "<", cutoff)
				.executeTakeFirst();
			return {
				idempotencyKeys: Number(keys.numDeletedRows),
				cronRuns: Number(runs.numDeletedRows),
			};
		},
	});
	return [
		{ name: "basalt.maintenance.purge", pattern: "17 * * * *", job: PURGE_JOB },
	];
}
