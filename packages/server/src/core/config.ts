import { isIP } from "node:net";
import path from "node:path";
import { assertCronPattern } from "../tools/cron/index.js";
import {
	type LogFormat,
	type LogLevel,
	logLevels,
} from "../tools/logger/index.js";
import { createAddressPolicy } from "../tools/ssrf/index.js";

/** Where the data lives: one SQLite file, or a PostgreSQL server. */
export type DatabaseTarget =
	| { kind: "sqlite"; file: string }
	| { kind: "postgres"; url: string };

/** Basalt's whole configuration: one typed object, every default in parseConfig. */
export interface Config {
	host: string;
	port: number;
	dataDir: string;
	database: DatabaseTarget;
	redisUrl: string | undefined;
	queue: "db" | "bullmq";
	/** 32 bytes; undefined means "use or create the key file in the data dir". */
	masterKey: Buffer | undefined;
	dbEncryptionKey: string | undefined;
	tls: { certFile: string; keyFile: string } | undefined;
	smtpUrl: string | undefined;
	/** The sender of Basalt's mail: `Name <address>` or an address. */
	mailFrom: string;
	corsOrigins: string[];
	ssrfAllow: string[];
	trustedProxies: string[];
	logLevel: LogLevel;
	logFormat: LogFormat;
	metricsToken: string | undefined;
	superuser: { email: string; password: string } | undefined;
	/** Largest accepted JSON body, in bytes. */
	bodyLimit: number;
	/** Most sub-requests in one POST /api/v1/batch. */
	batchMaxRequests: number;
	/** Lifetime of access tokens, in seconds. */
	accessTokenTtl: number;
	/** Job queues and how many jobs of each one worker runs at once. */
	queues: Record<string, number>;
	/** Whether `basalt serve` also runs a job worker (`basalt worker` always does). */
	serveWorkers: boolean;
	jobPollMs: number;
	jobLeaseMs: number;
	/** How long shutdown waits for running requests and jobs. */
	drainMs: number;
	/** The wait before a failed job's first retry, in ms; each further one doubles it. */
	jobBackoffMs: number;
	/** How long one webhook delivery attempt may take, in ms. */
	webhookTimeoutMs: number;
	/** Attempts of one webhook delivery before it is failed. */
	webhookMaxAttempts: number;
	/** Failed deliveries in a row after which a webhook is paused. */
	webhookPauseAfter: number;
	/** How long finished jobs, delivery logs and export files are kept, in ms. */
	retentionMs: number;
	/** Largest import file accepted, in bytes. */
	importMaxBytes: number;
	/** User cron schedules (BASALT_CRON), each enqueuing a job. */
	cron: {
		name: string;
		pattern: string;
		job: string;
		payload?: unknown;
		queue?: string;
	}[];
}

/** An invalid environment variable; its message is the one line start-up prints. */
export class ConfigError extends Error {
	readonly variable: string;
	constructor(variable: string, problem: string) {
		// One line, always: a value with line breaks is shown escaped.
		super(
			`${variable}: ${problem.replace(/\r/g, "\\r").replace(/\n/g, "\\n")}`,
		);
		this.name = "ConfigError";
		this.variable = variable;
	}
}

/** The environment as a plain map, so tests pass their own instead of process.env. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Facts about the process that change defaults, passed in so core never reads process. */
export interface ConfigContext {
	cwd: string;
	stdoutIsTty: boolean;
}

/**
 * Reads and validates Basalt's configuration from environment variables (SPEC section 1).
 * Throws ConfigError naming the first invalid variable.
 */
export function parseConfig(env: Environment, context: ConfigContext): Config {
	const read = (name: string) => {
		const value = env[name]?.trim();
		return value === "" ? undefined : value;
	};
	const dataDir = path.resolve(
		context.cwd,
		read("BASALT_DATA_DIR") ?? "basalt_data",
	);
	const redisUrl = optionalUrl(read, "REDIS_URL", ["redis:", "rediss:"]);
	const queue = oneOf(read, "BASALT_QUEUE", ["db", "bullmq"] as const, "db");
	if (queue === "bullmq" && !redisUrl)
		throw new ConfigError("BASALT_QUEUE", '"bullmq" needs REDIS_URL to be set');
	return {
		host: host(read("BASALT_HOST") ?? "127.0.0.1"),
		port: integer(read, "BASALT_PORT", 8090, 0, 65535),
		dataDir,
		database: databaseTarget(read("DATABASE_URL"), dataDir),
		redisUrl,
		queue,
		masterKey: masterKey(read("BASALT_MASTER_KEY")),
		dbEncryptionKey: read("BASALT_DB_ENCRYPTION_KEY"),
		tls: tls(read("BASALT_TLS_CERT"), read("BASALT_TLS_KEY")),
		smtpUrl: optionalUrl(read, "BASALT_SMTP_URL", ["smtp:", "smtps:"]),
		mailFrom: mailFrom(
			read("BASALT_MAIL_FROM") ?? "Basalt <no-reply@basalt.invalid>",
		),
		corsOrigins: list(read("BASALT_CORS_ORIGINS") ?? "*"),
		ssrfAllow: ssrfAllowList(read("BASALT_SSRF_ALLOW")),
		trustedProxies: cidrList(read, "BASALT_TRUSTED_PROXIES"),
		logLevel: oneOf(read, "BASALT_LOG_LEVEL", logLevels, "info"),
		logFormat: oneOf(
			read,
			"BASALT_LOG_FORMAT",
			["json", "pretty"] as const,
			context.stdoutIsTty ? "pretty" : "json",
		),
		metricsToken: read("BASALT_METRICS_TOKEN"),
		superuser: superuser(
			read("BASALT_SUPERUSER_EMAIL"),
			read("BASALT_SUPERUSER_PASSWORD"),
		),
		bodyLimit: integer(
			read,
			"BASALT_BODY_LIMIT",
			1024 * 1024,
			1024,
			1024 * 1024 * 1024,
		),
		batchMaxRequests: integer(
			read,
			"BASALT_BATCH_MAX_REQUESTS",
			1000,
			1,
			100_000,
		),
		accessTokenTtl: integer(
			read,
			"BASALT_ACCESS_TOKEN_TTL",
			900,
			10,
			7 * 24 * 3600,
		),
		queues: queues(read("BASALT_QUEUES") ?? DEFAULT_QUEUES),
		serveWorkers:
			oneOf(
				read,
				"BASALT_SERVE_WORKERS",
				["true", "false"] as const,
				"true",
			) === "true",
		jobPollMs: integer(read, "BASALT_JOB_POLL_MS", 1000, 10, 60_000),
		jobLeaseMs: integer(read, "BASALT_JOB_LEASE_MS", 30_000, 100, 3_600_000),
		drainMs: integer(read, "BASALT_DRAIN_MS", 10_000, 0, 600_000),
		jobBackoffMs: integer(read, "BASALT_JOB_BACKOFF_MS", 1000, 1, 3_600_000),
		webhookTimeoutMs: integer(
			read,
			"BASALT_WEBHOOK_TIMEOUT_MS",
			10_000,
			50,
			300_000,
		),
		webhookMaxAttempts: integer(read, "BASALT_WEBHOOK_MAX_ATTEMPTS", 8, 1, 50),
		webhookPauseAfter: integer(
			read,
			"BASALT_WEBHOOK_PAUSE_AFTER",
			5,
			1,
			10_000,
		),
		cron: cronEntries(read("BASALT_CRON")),
		retentionMs:
			integer(read, "BASALT_RETENTION_DAYS", 7, 1, 3650) * 24 * 3600_000,
		importMaxBytes: integer(
			read,
			"BASALT_IMPORT_MAX_BYTES",
			5 * 1024 ** 3,
			1024,
			1024 ** 4,
		),
	};
}

type Reader = (name: string) => string | undefined;

const DEFAULT_QUEUES = "default:10,mail:4,webhooks:10,imports:1,exports:1";

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

function integer(
	read: Reader,
	name: string,
	fallback: number,
	min: number,
	max: number,
): number {
	const raw = read(name);
	if (raw === undefined) return fallback;
	if (!/^\d+$/.test(raw))
		throw new ConfigError(name, `must be a whole number, got "${raw}"`);
	const value = Number(raw);
	if (value < min || value > max)
		throw new ConfigError(
			name,
			`must be between ${min} and ${max}, got ${value}`,
		);
	return value;
}

function oneOf<T extends string>(
	read: Reader,
	name: string,
	allowed: readonly T[],
	fallback: T,
): T {
	const raw = read(name);
	if (raw === undefined) return fallback;
	if (!(allowed as readonly string[]).includes(raw)) {
		throw new ConfigError(
			name,
			`must be one of ${allowed.join(", ")}, got "${raw}"`,
		);
	}
	return raw as T;
}

function host(value: string): string {
	if (isIP(value) || /^[a-zA-Z0-9.-]+$/.test(value)) return value;
	throw new ConfigError(
		"BASALT_HOST",
		`must be an IP address or host name, got "${value}"`,
	);
}

function optionalUrl(
	read: Reader,
	name: string,
	protocols: string[],
): string | undefined {
	const raw = read(name);
	if (raw === undefined) return undefined;
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ConfigError(name, "is not a valid URL");
	}
	if (!protocols.includes(url.protocol)) {
		throw new ConfigError(
			name,
			`must start with ${protocols.map((p) => `${p}//`).join(" or ")}`,
		);
	}
	return raw;
}

function databaseTarget(
	raw: string | undefined,
	dataDir: string,
): DatabaseTarget {
	if (raw === undefined)
		return { kind: "sqlite", file: path.join(dataDir, "data.db") };
	if (/^postgres(ql)?:\/\//.test(raw)) {
		try {
			new URL(raw);
		} catch {
			throw new ConfigError("DATABASE_URL", "is not a valid postgres:// URL");
		}
		return { kind: "postgres", url: raw };
	}
	if (raw.startsWith("sqlite:"))
		return {
			kind: "sqlite",
			file: path.resolve(dataDir, raw.slice("sqlite:".length)),
		};
	throw new ConfigError(
		"DATABASE_URL",
		"must be a postgres:// URL or sqlite:<file>",
	);
}

function masterKey(raw: string | undefined): Buffer | undefined {
	if (raw === undefined) return undefined;
	const key = Buffer.from(raw, "base64");
	if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
		throw new ConfigError(
			"BASALT_MASTER_KEY",
			"must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)",
		);
	}
	return key;
}

function tls(certFile: string | undefined, keyFile: string | undefined) {
	if (!certFile && !keyFile) return undefined;
	if (!certFile)
		throw new ConfigError(
			"BASALT_TLS_CERT",
			"must be set together with BASALT_TLS_KEY",
		);
	if (!keyFile)
		throw new ConfigError(
			"BASALT_TLS_KEY",
			"must be set together with BASALT_TLS_CERT",
		);
	return { certFile, keyFile };
}

function list(raw: string): string[] {
	return raw
		.split(",")
		.map((item) => item.trim())
		.filter((item) => item !== "");
}

/** Reads BASALT_SSRF_ALLOW, refusing entries the SSRF guard could not read. */
function ssrfAllowList(raw: string | undefined): string[] {
	const items = list(raw ?? "");
	try {
		createAddressPolicy(items);
	} catch (err: unknown) {
		throw new ConfigError("BASALT_SSRF_ALLOW", (err as Error).message);
	}
	return items;
}

function cidrList(read: Reader, name: string): string[] {
	const items = list(read(name) ?? "");
	for (const item of items) {
		const [address, bits, extra] = item.split("/");
		const family = isIP(address ?? "");
		const maxBits = family === 6 ? 128 : 32;
		const validBits =
			bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
		if (family === 0 || !validBits || extra !== undefined) {
			throw new ConfigError(
				name,
				`"${item}" is not an IP address or CIDR range`,
			);
		}
	}
	return items;
}

function cronEntries(raw: string | undefined): Config["cron"] {
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

function mailFrom(value: string): string {
	if (
		/[\r\n]/.test(value) ||
		!/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value)
	) {
		throw new ConfigError(
			"BASALT_MAIL_FROM",
			`must be an address or "Name <address>", got ${JSON.stringify(value)}`,
		);
	}
	return value;
}

function superuser(email: string | undefined, password: string | undefined) {
	if (!email && !password) return undefined;
	if (!email)
		throw new ConfigError(
			"BASALT_SUPERUSER_EMAIL",
			"must be set together with BASALT_SUPERUSER_PASSWORD",
		);
	if (!password)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be set together with BASALT_SUPERUSER_EMAIL",
		);
	if (!/^[^\s@]+@[^\s@]+$/.test(email))
		throw new ConfigError("BASALT_SUPERUSER_EMAIL", "is not an email address");
	if (password.length < 8)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be at least 8 characters",
		);
	return { email, password };
}
