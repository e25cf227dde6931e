import { assertCronPattern } from "../../tools/cron/index.js";
import { type AmqpConfig, readAmqpConfig } from "./amqp-config.js";
import { ConfigError } from "./config-error.js";
import {
	daysAsMs,
	flag,
	integer,
	list,
	oneOf,
	type Reader,
} from "./read-values.js";

/** How jobs are queued and run (docs/jobs.md). */
export interface JobsConfig {
	/**
	 * Where jobs wait: a table in the database, BullMQ on Redis, or RabbitMQ (state in
	 * the database, deliveries through RabbitMQ).
	 */
	driver: "db" | "bullmq" | "rabbitmq";
	/** Set: the RabbitMQ (AMQP_URL) the `rabbitmq` driver uses. */
	amqp: AmqpConfig | undefined;
	/** Job queues and how many jobs of each one worker runs at once. */
	queues: Record<string, number>;
	/** Whether `basalt serve` also runs a job worker (`basalt worker` always does). */
	serveWorkers: boolean;
	/** How often an idle worker looks for due jobs. */
	pollMs: number;
	/** How long a worker holds a job without extending its lease. */
	leaseMs: number;
	/** The wait before a failed job's first retry; each further one doubles it. */
	backoffMs: number;
	/** How long finished jobs, delivery logs and export files are kept. */
	retentionMs: number;
	/** User cron schedules (BASALT_CRON), each enqueuing a job. */
	cron: CronConfigEntry[];
}

/** Reads the job queue settings; `bullmq` needs REDIS_URL, `rabbitmq` AMQP_URL. */
export function readJobsConfig(
	read: Reader,
	redisUrl: string | undefined,
): JobsConfig {
	const driver = oneOf(
		read,
		"BASALT_QUEUE",
		["db", "bullmq", "rabbitmq"] as const,
		"db",
	);
	if (driver === "bullmq" && !redisUrl)
		throw new ConfigError("BASALT_QUEUE", '"bullmq" needs REDIS_URL to be set');
	const amqp = readAmqpConfig(read);
	if (driver === "rabbitmq" && !amqp)
		throw new ConfigError(
			"BASALT_QUEUE",
			'"rabbitmq" needs AMQP_URL to be set',
		);
	if (amqp && driver !== "rabbitmq")
		throw new ConfigError(
			"AMQP_URL",
			"has no effect: only BASALT_QUEUE=rabbitmq uses it",
		);
	return {
		driver,
		amqp,
		queues: queues(read("BASALT_QUEUES") ?? DEFAULT_QUEUES),
		serveWorkers: flag(read, "BASALT_SERVE_WORKERS", true),
		pollMs: integer(read, "BASALT_JOB_POLL_MS", 1000, 10, 60_000),
		leaseMs: integer(read, "BASALT_JOB_LEASE_MS", 30_000, 100, 3_600_000),
		backoffMs: integer(read, "BASALT_JOB_BACKOFF_MS", 1000, 1, 3_600_000),
		retentionMs: daysAsMs(read, "BASALT_RETENTION_DAYS", 7, 3650),
		cron: cronEntries(read("BASALT_CRON")),
	};
}

/** One user cron schedule of BASALT_CRON. */
export interface CronConfigEntry {
	name: string;
	pattern: string;
	job: string;
	payload?: unknown;
	queue?: string;
}

/** The queues and concurrencies when BASALT_QUEUES is unset. */
export const DEFAULT_QUEUES =
	"default:10,mail:4,webhooks:10,imports:1,exports:1";

/** Reads BASALT_QUEUES (`name:concurrency,…`, with `default` required). */
function queues(raw: string): Record<string, number> {
	const result: Record<string, number> = {};
	for (const item of list(raw)) {
		const match = /^([a-z][a-z0-9_-]{0,62}):(\d{1,4})$/.exec(item);
		if (!match || Number(match[2]) < 1) {
			throw new ConfigError(
				"BASALT_QUEUES",
				`"${item}" is not name:concurrency (e.g. mail:4)`,
			);
		}
		result[match[1] as string] = Number(match[2]);
	}
	if (!result.default)
		throw new ConfigError("BASALT_QUEUES", 'must include the "default" queue');
	return result;
}

/** Reads BASALT_CRON: a JSON list of schedules, each pattern checked. */
function cronEntries(raw: string | undefined): CronConfigEntry[] {
	if (raw === undefined) return [];
	const fail = (problem: string): never => {
		throw new ConfigError("BASALT_CRON", problem);
	};
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch {
		fail(
			'must be a JSON list like [{"name":"nightly","schedule":"0 3 * * *","job":"…"}]',
		);
	}
	if (!Array.isArray(parsed)) return fail("must be a JSON list");
	return parsed.map((item: unknown, i) => {
		const entry = (
			typeof item === "object" && item !== null ? item : {}
		) as Record<string, unknown>;
		const { name, schedule, job, payload, queue } = entry;
		if (typeof name !== "string" || !/^[a-z][a-z0-9._-]{0,62}$/.test(name))
			fail(`entry ${i}: "name" must be a lower-case name`);
		if (typeof job !== "string" || job === "")
			fail(`entry ${i}: "job" must name a job`);
		if (queue !== undefined && typeof queue !== "string")
			fail(`entry ${i}: "queue" must be a queue name`);
		if (typeof schedule !== "string")
			return fail(`entry ${i}: "schedule" must be a cron pattern`);
		try {
			assertCronPattern(schedule);
		} catch (err: unknown) {
			fail(`entry ${i}: ${(err as Error).message}`);
		}
		const unknownKeys = Object.keys(entry).filter(
			(k) => !["name", "schedule", "job", "payload", "queue"].includes(k),
		);
		if (unknownKeys.length > 0)
			fail(`entry ${i}: unknown member "${unknownKeys[0]}"`);
		return {
			name: name as string,
			pattern: schedule,
			job: job as string,
			payload,
			...(queue ? { queue: queue as string } : {}),
		};
	});
}
