import path from "node:path";
import {
	type LogFormat,
	type LogLevel,
	logLevels,
} from "../tools/logger/index.js";
import { ConfigError } from "./config-error.js";
import {
	appName,
	type CronConfigEntry,
	cronEntries,
	type DatabaseTarget,
	DEFAULT_QUEUES,
	databaseTarget,
	mailFrom,
	masterKey,
	publicUrl,
	queues,
	ssrfAllowList,
	superuser,
	tls,
} from "./config-parsers.js";
import { type TracingConfig, tracingConfig } from "./config-tracing.js";
import {
	cidrList,
	fraction,
	host,
	integer,
	list,
	oneOf,
	optionalUrl,
	rateLimitRule,
} from "./config-values.js";

export type { CronConfigEntry, DatabaseTarget, TracingConfig };
export { ConfigError };

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
	/** Whether GET /metrics and the per-request and per-statement metrics are on. */
	metrics: boolean;
	metricsToken: string | undefined;
	/** Share (0..1) of requests below 500 kept in the request log table; 5xx are all kept. */
	requestLogSample: number;
	/** How long request log rows are kept, in ms. */
	logRetentionMs: number;
	/** How long audit entries are kept, in ms. */
	auditRetentionMs: number;
	/** Statements slower than this, in ms, are logged (SQL shape only) and counted. */
	slowQueryMs: number;
	/** OpenTelemetry trace export (the standard OTEL_* variables); undefined when off. */
	tracing: TracingConfig | undefined;
	superuser: { email: string; password: string } | undefined;
	/** Largest accepted JSON body, in bytes. */
	bodyLimit: number;
	/** Most sub-requests in one POST /api/v1/batch. */
	batchMaxRequests: number;
	/** Lifetime of access tokens, in seconds. */
	accessTokenTtl: number;
	/** Lifetime of refresh tokens, in ms. */
	refreshTokenTtlMs: number;
	/** Lifetime of OAuth2 client_credentials tokens, in seconds. */
	clientTokenTtl: number;
	/**
	 * How long a node trusts the account row behind a token without reading it again,
	 * in ms (0: read it on every request). Bounds how late a change made elsewhere
	 * (another node, another process) is seen; this node's own changes apply at once.
	 */
	accountCacheMs: number;
	/** The shortest password auth records accept (at least 8). */
	passwordMinLength: number;
	/** Your application's address: links in account mail point there. */
	appUrl: string;
	/** Your application's name, as account mail says it. */
	appName: string;
	/** Brute-force limits of sign-in and account mail, per identity and per IP. */
	authRateLimits: AuthRateLimits;
	/** Job queues and how many jobs of each one worker runs at once. */
	queues: Record<string, number>;
	/** Whether `basalt serve` also runs a job worker (`basalt worker` always does). */
	serveWorkers: boolean;
	jobPollMs: number;
	jobLeaseMs: number;
	/** How long shutdown waits for running requests and jobs. */
	drainMs: number;
	/**
	 * On SIGTERM, how long readiness answers 503 while the node still serves, so load
	 * balancers stop sending it requests before it stops accepting connections.
	 */
	shutdownDelayMs: number;
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
	cron: CronConfigEntry[];
	/** Where browsers reach this server (no trailing slash): OAuth2 callback URLs start here. */
	publicUrl: string;
	/** How long one outbound OAuth2 request (discovery, token, JWKS, user info) may take, in ms. */
	oauth2TimeoutMs: number;
}

/** A limit of `limit` hits per sliding window of `windowMs`. */
export interface RateLimitSetting {
	limit: number;
	windowMs: number;
}

/** The rate limits of the auth endpoints (SPEC section 6, "Brute force"). */
export interface AuthRateLimits {
	/** Sign-in attempts per account identity (a success clears them). */
	login: RateLimitSetting;
	/** Sign-in attempts per client IP. */
	loginIp: RateLimitSetting;
	/** Verification, reset and email-change mails per address. */
	accountMail: RateLimitSetting;
	/** Account mail requests per client IP. */
	accountMailIp: RateLimitSetting;
	/** Sign-ups (creates on auth collections by anyone but superusers) per client IP. */
	signUpIp: RateLimitSetting;
	/** Refresh-token trades per client IP. */
	refreshIp: RateLimitSetting;
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
	const listenHost = host(read("BASALT_HOST") ?? "127.0.0.1");
	const port = integer(read, "BASALT_PORT", 8090, 0, 65535);
	const tlsFiles = tls(read("BASALT_TLS_CERT"), read("BASALT_TLS_KEY"));
	return {
		host: listenHost,
		port,
		dataDir,
		database: databaseTarget(read("DATABASE_URL"), dataDir),
		redisUrl,
		queue,
		masterKey: masterKey(read("BASALT_MASTER_KEY")),
		dbEncryptionKey: read("BASALT_DB_ENCRYPTION_KEY"),
		tls: tlsFiles,
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
			["json", "pretty", "ecs"] as const,
			context.stdoutIsTty ? "pretty" : "json",
		),
		metrics:
			oneOf(read, "BASALT_METRICS", ["true", "false"] as const, "true") ===
			"true",
		metricsToken: read("BASALT_METRICS_TOKEN"),
		requestLogSample: fraction(read, "BASALT_REQUEST_LOG_SAMPLE", 0.1),
		logRetentionMs:
			integer(read, "BASALT_LOG_RETENTION_DAYS", 7, 1, 3650) * 24 * 3600_000,
		auditRetentionMs:
			integer(read, "BASALT_AUDIT_RETENTION_DAYS", 90, 1, 36500) *
			24 *
			3600_000,
		slowQueryMs: integer(read, "BASALT_SLOW_QUERY_MS", 200, 1, 600_000),
		tracing: tracingConfig(read),
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
		refreshTokenTtlMs:
			integer(read, "BASALT_REFRESH_TOKEN_TTL_DAYS", 30, 1, 3650) *
			24 *
			3600_000,
		clientTokenTtl: integer(
			read,
			"BASALT_CLIENT_TOKEN_TTL",
			3600,
			10,
			24 * 3600,
		),
		accountCacheMs: integer(read, "BASALT_ACCOUNT_CACHE_MS", 5000, 0, 60_000),
		passwordMinLength: integer(read, "BASALT_PASSWORD_MIN_LENGTH", 8, 8, 256),
		appUrl: (
			optionalUrl(read, "BASALT_APP_URL", ["http:", "https:"]) ??
			"http://127.0.0.1:8090"
		).replace(/\/+$/, ""),
		appName: appName(read("BASALT_APP_NAME") ?? "Basalt"),
		authRateLimits: {
			login: rateLimitRule(read, "BASALT_RATE_LIMIT_LOGIN", "10/15m"),
			loginIp: rateLimitRule(read, "BASALT_RATE_LIMIT_LOGIN_IP", "100/15m"),
			accountMail: rateLimitRule(
				read,
				"BASALT_RATE_LIMIT_ACCOUNT_MAIL",
				"5/1h",
			),
			accountMailIp: rateLimitRule(
				read,
				"BASALT_RATE_LIMIT_ACCOUNT_MAIL_IP",
				"30/1h",
			),
			signUpIp: rateLimitRule(read, "BASALT_RATE_LIMIT_SIGNUP_IP", "20/1h"),
			refreshIp: rateLimitRule(read, "BASALT_RATE_LIMIT_REFRESH_IP", "300/15m"),
		},
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
		shutdownDelayMs: integer(
			read,
			"BASALT_SHUTDOWN_DELAY_MS",
			5000,
			0,
			300_000,
		),
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
		publicUrl: publicUrl(read("BASALT_PUBLIC_URL"), {
			host: listenHost,
			port,
			https: tlsFiles !== undefined,
		}),
		oauth2TimeoutMs: integer(
			read,
			"BASALT_OAUTH2_TIMEOUT_MS",
			10_000,
			100,
			120_000,
		),
	};
}
