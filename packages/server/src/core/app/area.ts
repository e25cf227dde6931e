import type { CronEntry, PurgeStep } from "../jobs/index.js";
import type { RecordChangeSink } from "../records/index.js";

/**
 * Checks one part the node needs to serve: resolves to a sentence saying what is
 * wrong, or undefined when the part works; a check that throws or takes too long
 * counts as "does not answer".
 */
export type ReadinessCheck = () => Promise<string | undefined>;

/** Readiness checks by part name, as /health/ready reports them. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

/** What `start` tells each area. */
export interface StartContext {
	/** True when this start created the system tables: the database was empty. */
	newDatabase: boolean;
}

/**
 * What an area adds to the App besides its services. The App runs `start` in area
 * order and `close` in reverse order, so an area closes before the areas it uses.
 */
export interface AreaContribution {
	/** Steps of the hourly purge: old or expired data this area keeps. */
	purgeSteps?: readonly PurgeStep[];
	/** Listeners of record writes, called inside each write's transaction. */
	changeSinks?: readonly RecordChangeSink[];
	/** Built-in cron schedules, started with the job worker. */
	schedules?: readonly CronEntry[];
	/** Parts that must answer for the node to be ready. */
	readinessChecks?: ReadinessChecks;
	/**
	 * Parts the node serves without, in a lesser way (a cache store, the event bus):
	 * reported by /health/ready as `degraded`, never as not ready.
	 */
	degradationChecks?: ReadinessChecks;
	/** Loads what requests need, after the system migrations ran. */
	start?(context: StartContext): Promise<void>;
	/** Stops background work and releases what the area holds. */
	close?(): Promise<void> | void;
}

/** The instant `ms` milliseconds before `now`: the cutoff of a retention period. */
export function before(now: Date, ms: number): Date {
	return new Date(now.getTime() - ms);
}
