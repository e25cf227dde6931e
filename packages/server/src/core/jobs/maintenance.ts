import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import type { CronEntry } from "./cron-scheduler.js";
import type { JobsService } from "./jobs-service.js";

/** The built-in clean-up job. */
export const PURGE_JOB = "basalt.maintenance.purge";

/** One kind of old data the purge removes: given the cutoff, returns how much it removed. */
export interface PurgeStep {
	name: string;
	run(cutoff: Date): Promise<number>;
}

/** Keep cron run markers this long: far longer than any clock skew between processes. */
const CRON_RUN_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Registers Basalt's hourly clean-up job and returns its schedule. It always removes
 * expired idempotency keys (replayed for 24 h,
 * docs/api.md#conditional-requests-and-retries) and old cron run markers; the `steps`
 * other modules add (finished jobs, delivery logs, export files) remove what ended more
 * than `retentionMs` ago.
 */
export function registerMaintenance(deps: {
	db: Database;
	jobs: JobsService;
	clock: Clock;
	retentionMs: number;
	steps: readonly PurgeStep[];
}): CronEntry[] {
	deps.jobs.register(PURGE_JOB, {
		handler: async () => {
			const now = deps.clock();
			const keys = await deps.db.kysely
				.deleteFrom("_idempotency_keys")
				.where("expires", "<=", now.toISOString())
				.executeTakeFirst();
			const cronCutoff = new Date(
				now.getTime() - CRON_RUN_RETENTION_MS,
			).toISOString();
			const runs = await deps.db.kysely
				.deleteFrom("_cron_runs")
				.where("scheduled_at", "<", cronCutoff)
				.executeTakeFirst();
			const removed: Record<string, number> = {
				idempotencyKeys: Number(keys.numDeletedRows),
				cronRuns: Number(runs.numDeletedRows),
			};
			const cutoff = new Date(now.getTime() - deps.retentionMs);
			for (const step of deps.steps)
				removed[step.name] = await step.run(cutoff);
			return removed;
		},
	});
	return [
		{ name: "basalt.maintenance.purge", pattern: "17 * * * *", job: PURGE_JOB },
	];
}
