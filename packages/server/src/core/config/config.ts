import path from "node:path";
import {
	type AccountsConfig,
	type MailConfig,
	readAccountsConfig,
	readMailConfig,
	readMasterKey,
	readTokensConfig,
	type TokensConfig,
} from "./accounts-config.js";
import { type CacheConfig, readCacheConfig } from "./cache-config.js";
import { type DbConfig, readDbConfig } from "./db-config.js";
import { type HttpConfig, readHttpConfig } from "./http-config.js";
import { type JobsConfig, readJobsConfig } from "./jobs-config.js";
import {
	type LogsConfig,
	type MetricsConfig,
	readLogsConfig,
	readMetricsConfig,
} from "./logs-config.js";
import { type OutboundConfig, readOutboundConfig } from "./outbound-config.js";
import { type AuthRateLimits, readRateLimits } from "./rate-limits-config.js";
import { integer } from "./read-values.js";
import { type RedisConfig, readRedisConfig } from "./redis-config.js";
import { type TracingConfig, tracingConfig } from "./tracing-config.js";

/**
 * Basalt's whole configuration: one typed object in groups, every default set by
 * parseConfig. Durations are in milliseconds and say so in their names, whatever
 * unit their environment variable is written in.
 */
export interface Config {
	/** The SQLite file, generated keys, import uploads and export files live here. */
	dataDir: string;
	/** 32 bytes; undefined means "use or create the key file in the data dir". */
	masterKey: Buffer | undefined;
	http: HttpConfig;
	/** How a stopping node lets go of its work (docs/operations.md). */
	shutdown: {
		/** How long shutdown waits for running requests and jobs. */
		drainMs: number;
		/** On SIGTERM, how long readiness answers 503 while the node still serves. */
		delayMs: number;
	};
	db: DbConfig;
	/** Set: rate limits live in Redis, and the `bullmq` queue may be chosen. */
	redis: RedisConfig | undefined;
	/** The response cache's store (docs/caching.md#stores). */
	cache: CacheConfig;
	tokens: TokensConfig;
	accounts: AccountsConfig;
	mail: MailConfig;
	jobs: JobsConfig;
	imports: {
		/** Largest import file accepted. */
		maxBytes: number;
	};
	outbound: OutboundConfig;
	logs: LogsConfig;
	metrics: MetricsConfig;
	/** OpenTelemetry trace export (the standard OTEL_* variables); undefined when off. */
	tracing: TracingConfig | undefined;
	rateLimits: AuthRateLimits;
}

/** The environment as a plain map, so tests pass their own instead of process.env. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Facts about the process that change defaults, passed in so core never reads process. */
export interface ConfigContext {
	cwd: string;
	stdoutIsTty: boolean;
}

/**
 * Reads and validates Basalt's configuration from environment variables (every one is
 * listed in docs/configuration.md). Throws ConfigError naming the first invalid one.
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
	const redis = readRedisConfig(read);
	const redisUrl = redis?.url;
	return {
		dataDir,
		masterKey: readMasterKey(read("BASALT_MASTER_KEY")),
		http: readHttpConfig(read),
		shutdown: {
			drainMs: integer(read, "BASALT_DRAIN_MS", 10_000, 0, 600_000),
			delayMs: integer(read, "BASALT_SHUTDOWN_DELAY_MS", 5000, 0, 300_000),
		},
		db: readDbConfig(read, dataDir),
		redis,
		cache: readCacheConfig(read, redisUrl),
		tokens: readTokensConfig(read),
		accounts: readAccountsConfig(read),
		mail: readMailConfig(read),
		jobs: readJobsConfig(read, redisUrl),
		imports: {
			maxBytes: integer(
				read,
				"BASALT_IMPORT_MAX_BYTES",
				5 * 1024 ** 3,
				1024,
				1024 ** 4,
			),
		},
		outbound: readOutboundConfig(read),
		logs: readLogsConfig(read, context.stdoutIsTty),
		metrics: readMetricsConfig(read),
		tracing: tracingConfig(read),
		rateLimits: readRateLimits(read),
	};
}
