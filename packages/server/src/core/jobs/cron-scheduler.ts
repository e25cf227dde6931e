import { sql } from "kysely";
import { type CronSchedule, startCron } from "../../tools/cron/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import type { JobsService } from "./jobs-service.js";

/** One schedule: run job `job` with `payload` whenever `pattern` fires. */
export interface CronEntry {
	/** Unique; the same name in several processes is the same schedule. */
	name: string;
	/** 5 fields, or 6 with seconds first. */
	pattern: string;
	job: string;
	payload?: unknown;
	queue?: string;
}

/**
 * Fires cron schedules as jobs. Every process with a worker runs the same schedules;
 * for each run, the first process to insert its `_cron_runs` row (keyed by schedule
 * name and scheduled time) enqueues the job in the same transaction, so a schedule
 * fires once however many processes there are.
 */
export class CronScheduler {
	#deps: { db: Database; jobs: JobsService; logger: Logger; clock: Clock };
	#schedules: CronSchedule[] = [];

	constructor(deps: {
		db: Database;
		jobs: JobsService;
		logger: Logger;
		clock: Clock;
	}) {
		this.#deps = deps;
	}

	/** Starts the schedules; a name or job that does not exist is an error. */
	start(entries: readonly CronEntry[]): void {
		const names = new Set<string>();
		for (const entry of entries) {
			if (names.has(entry.name))
				throw new Error(`cron schedule "${entry.name}" is defined twice`);
			if (!this.#deps.jobs.hasHandler(entry.job))
				throw new Error(
					`cron schedule "${entry.name}" names unknown job "${entry.job}"`,
				);
			const queue = entry.queue ?? "default";
			if (!(queue in this.#deps.jobs.settings.queues))
				throw new Error(
					`cron schedule "${entry.name}" names unknown queue "${queue}"`,
				);
			names.add(entry.name);
		}
		for (const entry of entries) {
			this.#schedules.push(
				startCron(
					entry.pattern,
					(scheduledAt) => void this.fire(entry, scheduledAt),
				),
			);
		}
	}

	/** Enqueues the run of `entry` scheduled at `scheduledAt`, unless another process did; true if this one did. */
	async fire(entry: CronEntry, scheduledAt: Date): Promise<boolean> {
		const { db, jobs } = this.#deps;
		try {
			return await db.kysely.transaction().execute(async (trx) => {
				const claimed =
					await sql`INSERT INTO _cron_runs (name, scheduled_at, created) VALUES (${entry.name}, ${scheduledAt.toISOString()}, ${this.#deps.clock().toISOString()}) ON CONFLICT DO NOTHING RETURNING name`.execute(
						trx,
					);
				if (claimed.rows.length === 0) return false;
				const job = await jobs.enqueue(
					{
						name: entry.job,
						payload: entry.payload ?? null,
						options: { queue: entry.queue ?? "default" },
					},
					trx,
				);
				await trx
					.updateTable("_cron_runs")
					.set({ job_id: job.id })
					.where("name", "=", entry.name)
					.where("scheduled_at", "=", scheduledAt.toISOString())
					.execute();
				return true;
			});
		} catch (err: unknown) {
			this.#deps.logger.error(
				{ err, schedule: entry.name },
				"firing a cron schedule failed",
			);
			return false;
		}
	}

	/** Stops every schedule. */
	stop(): void {
		for (const schedule of this.#schedules) schedule.stop();
		this.#schedules = [];
	}
}
