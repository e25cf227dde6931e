import { Cron } from "croner";

/** A running schedule. */
export interface CronSchedule {
	/** The next time it fires, or null if never again. */
	nextRun(): Date | null;
	stop(): void;
}

/** Checks a cron pattern (5 fields, or 6 with seconds first); throws a readable Error if invalid. */
export function assertCronPattern(pattern: string, timezone?: string): void {
	try {
		new Cron(pattern, {
			paused: true,
			...(timezone ? { timezone } : {}),
		}).stop();
	} catch (err: unknown) {
		throw new Error(
			`"${pattern}" is not a valid cron pattern: ${err instanceof Error ? err.message : String(err)}`,
		);
	}
}

/**
 * Runs `onTick` on a cron pattern (croner). `onTick` gets the time the run was
 * scheduled for, not when the timer happened to fire, so that several processes
 * firing the same schedule agree on which run it is and can deduplicate it.
 */
export function startCron(
	pattern: string,
	onTick: (scheduledAt: Date) => void,
	options: { timezone?: string } = {},
): CronSchedule {
	const tz = options.timezone ? { timezone: options.timezone } : {};
	const planner = new Cron(pattern, { paused: true, ...tz });
	const job = new Cron(pattern, { protect: true, ...tz }, () =>
		onTick(scheduledTime(planner, new Date())),
	);
	return {
		nextRun: () => job.nextRun(),
		stop: () => {
			job.stop();
			planner.stop();
		},
	};
}

/**
 * The scheduled time of a run that fired at `fired`: the first pattern time after one
 * second earlier (a timer fires a few milliseconds late, never a second early), or
 * the fired second itself when the process was stalled for longer than that.
 */
function scheduledTime(planner: Cron, fired: Date): Date {
	const candidate = planner.nextRun(new Date(fired.getTime() - 1000));
	if (candidate && candidate.getTime() <= fired.getTime()) return candidate;
	return new Date(Math.floor(fired.getTime() / 1000) * 1000);
}
