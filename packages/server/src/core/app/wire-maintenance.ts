import {
	type CronEntry,
	type JobsService,
	type PurgeStep,
	registerMaintenance,
} from "../jobs/index.js";
import type { SharedParts } from "./shared-parts.js";

/**
 * Registers the hourly purge with every area's purge steps, in area order, and
 * returns its schedule. Steps remove what ended more than BASALT_RETENTION_DAYS ago
 * unless they keep their own period.
 */
export function wireMaintenance(
	shared: SharedParts,
	uses: { jobs: JobsService; steps: readonly PurgeStep[] },
): readonly CronEntry[] {
	return registerMaintenance({
		db: shared.db,
		jobs: uses.jobs,
		clock: shared.clock,
		retentionMs: shared.config.jobs.retentionMs,
		steps: uses.steps,
	});
}
