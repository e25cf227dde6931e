/**
 * Basalt as a library: build an App from a Config, serve it with createServer.
 *
 * @example
 * const app = await createApp(parseConfig(process.env, { cwd: process.cwd(), stdoutIsTty: false }));
 * const server = await createServer(app);
 * await server.listen({ host: app.config.http.host, port: app.config.http.port });
 */

import { readFileSync } from "node:fs";
import type { Redis, RedisOptions } from "ioredis";
import type { DestinationStream } from "pino";
import {
	App,
	type CacheStores,
	memoryCacheStores,
	type QueueDriverContext,
	type ReadinessChecks,
} from "./core/app/index.js";
import {
	type Config,
	ConfigError,
	type RedisConfig,
} from "./core/config/index.js";
import { type Database, openSqliteDatabase } from "./core/db/index.js";
import { createDbQueueDriver, type QueueDriver } from "./core/jobs/index.js";
import type { Tracing } from "./core/tracing/index.js";
import {
	type CacheStore,
	createMemoryCacheStore,
	createRedisCacheStore,
} from "./tools/cache/index.js";
import { createLogger, type Logger } from "./tools/logger/index.js";
import {
	createLogTransport,
	type MailTransport,
} from "./tools/mailer/index.js";
import {
	createFallbackRateLimitStore,
	createMemoryRateLimitStore,
	createRedisRateLimitStore,
	type RateLimitStore,
} from "./tools/rate-limit/index.js";
import type { RedisConnection } from "./tools/redis/index.js";
import type { Clock } from "./tools/time/index.js";
import { readBasaltVersion } from "./version.js";

export { createServer } from "./api/index.js";
export { App } from "./core/app/index.js";
export {
	type Config,
	ConfigError,
	type Environment,
	parseConfig,
} from "./core/config/index.js";

/** What createApp may be given besides the configuration. */
export interface CreateAppOptions {
	logger?: Logger;
	/**
	 * Where a logger built from the configuration writes (tests capture lines here);
	 * unlike `logger`, its lines carry the trace ids when tracing is on.
	 */
	logDestination?: DestinationStream;
	clock?: Clock;
}

// The drivers below are loaded on demand (docs/architecture.md#drivers-loaded-on-demand):
// each pulls in a large client library (pg, ioredis, bullmq, memjs, nodemailer, the
// OpenTelemetry SDK) that a node configured without it never loads: about 30 MiB of
// resident memory and a tenth of a second of start-up on the embedded defaults.

/** Creates an ioredis client, loading ioredis on first use. */
async function connectRedis(
	connection: RedisConnection,
	options: RedisOptions,
): Promise<Redis> {
	const { createRedisClient } = await import("./tools/redis/redis-client.js");
	return createRedisClient(connection, options);
}

/**
 * How every Redis client of this node connects: REDIS_URL, and with rediss:// the
 * CA of BASALT_REDIS_CA and BASALT_REDIS_TLS_VERIFY. A failed TLS handshake is
 * logged as an error, once per client until it connects: the clients' other errors
 * are reported as outages by their users, and a refused certificate is no outage
 * that ends by itself.
 */
function redisConnection(redis: RedisConfig, logger: Logger): RedisConnection {
	const { tls } = redis;
	return {
		url: redis.url,
		...(tls
			? {
					tls: {
						verify: tls.verify,
						...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
					},
				}
			: {}),
		// Code and reason only: Node's error also carries the whole peer certificate.
		onTlsError: (err) =>
			logger.error(
				{ code: (err as { code?: unknown }).code, reason: err.message },
				"Redis: the TLS handshake failed (is the server's certificate signed by BASALT_REDIS_CA, or a public CA, for the host in REDIS_URL?)",
			),
	};
}

/** Opens the database the configuration names (the one place that picks a driver). */
export async function openDatabase(
	config: Config,
	logger: Logger,
): Promise<Database> {
	if (config.db.target.kind === "postgres") {
		const { openPostgresDatabase } = await import("./core/db/open-postgres.js");
		return openPostgresDatabase({
			url: config.db.target.url,
			...(config.db.target.tls ? { tls: config.db.target.tls } : {}),
			onIdleError: (err) =>
				logger.warn({ err }, "idle PostgreSQL connection failed"),
		});
	}
	return openSqliteDatabase({
		file: config.db.target.file,
		encryptionKey: config.db.encryptionKey,
	});
}

/** Picks where mail goes: the SMTP server configured, or the log. */
export async function mailTransportFor(
	config: Config,
	logger: Logger,
): Promise<MailTransport> {
	if (config.mail.smtpUrl) {
		const { createSmtpTransport } = await import(
			"./tools/mailer/smtp-transport.js"
		);
		const tls = config.mail.smtpTls;
		return createSmtpTransport({
			url: config.mail.smtpUrl,
			defaultFrom: config.mail.from,
			tls: {
				verify: tls.verify,
				starttls: tls.starttls,
				...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
			},
		});
	}
	logger.info(
		"BASALT_SMTP_URL is not set: mail is written to the log, not sent",
	);
	return createLogTransport({ logger, defaultFrom: config.mail.from });
}

/**
 * Picks where rate-limit counters live: this process's memory, or Redis when
 * REDIS_URL is set, so every node behind a load balancer counts against one limit;
 * while Redis is away each node counts on its own. Redis is a readiness check when
 * the job queue lives there (`bullmq`: nothing can be enqueued without it), else it
 * only degrades the node (`degraded` in /health/ready).
 */
export async function rateLimitStoreFor(
	config: Config,
	logger: Logger,
): Promise<{
	store: RateLimitStore;
	readinessChecks: ReadinessChecks;
	degradationChecks: ReadinessChecks;
}> {
	if (!config.redis)
		return {
			store: createMemoryRateLimitStore(),
			readinessChecks: {},
			degradationChecks: {},
		};
	// Fail fast while Redis is away or hangs: the limits then count on this node.
	const redis = await connectRedis(redisConnection(config.redis, logger), {
		maxRetriesPerRequest: 1,
		enableOfflineQueue: false,
		commandTimeout: 1000,
	});
	// The fallback store reports each outage once; the client's own errors are noise.
	redis.on("error", () => {});
	const shared = createRedisRateLimitStore({ redis });
	const store = createFallbackRateLimitStore({
		primary: {
			hit: shared.hit,
			reset: shared.reset,
			async close() {
				await shared.close();
				redis.disconnect();
			},
		},
		fallback: createMemoryRateLimitStore(),
		onOutage: (err) =>
			logger.warn(
				{ err },
				"rate limits: Redis does not answer; each node counts on its own until it does",
			),
		onRecovery: () => logger.info("rate limits: Redis answers again"),
	});
	const check = {
		redis: async () => {
			await redis.ping();
			return undefined;
		},
	};
	const critical = config.jobs.driver === "bullmq";
	return {
		store,
		readinessChecks: critical ? check : {},
		degradationChecks: critical ? {} : check,
	};
}

/**
 * Picks the response cache's stores (docs/caching.md#stores): Redis or Memcached
 * shared by every node, or this process's memory; with REDIS_URL and the memory
 * store, generation tokens still live in Redis, so a write on one node invalidates
 * the answers every node keeps.
 */
export async function openCacheStores(
	config: Config,
	logger: Logger,
): Promise<CacheStores> {
	const { cache } = config;
	if (cache.store === "memcached") {
		const { createMemcachedCacheStore } = await import(
			"./tools/cache/memcached-store.js"
		);
		return sharedCacheStore(
			createMemcachedCacheStore({
				servers: cache.memcachedServers,
				onWarning: (message) =>
					logger.debug({ store: "memcached" }, `response cache: ${message}`),
			}),
		);
	}
	if (!config.redis) return memoryCacheStores(cache.maxBytes);
	// Fail fast while Redis is away or hangs: reads then go around the cache (BYPASS).
	const redis = await connectRedis(redisConnection(config.redis, logger), {
		maxRetriesPerRequest: 0,
		enableOfflineQueue: false,
		commandTimeout: 500,
		lazyConnect: true,
	});
	// The response cache logs each outage once; the client's own errors are noise.
	redis.on("error", () => {});
	// Connected before the first request, so a healthy start serves no BYPASS; a
	// Redis that is down at start is retried in the background like any outage.
	await redis.connect().catch((err: unknown) => {
		logger.warn({ err }, "response cache: Redis does not answer at start");
	});
	const store = createRedisCacheStore({ redis });
	const closing: CacheStore = {
		...store,
		async close() {
			redis.disconnect();
		},
	};
	if (cache.store === "redis") return sharedCacheStore(closing);
	return {
		entries: createMemoryCacheStore({ maxBytes: cache.maxBytes }),
		generations: closing,
	};
}

/** One shared store for answers and tokens: a read is one round trip. */
function sharedCacheStore(store: CacheStore): CacheStores {
	return { entries: store, generations: store };
}

/** Picks the job queue driver the configuration names. */
export async function queueDriverFor(
	config: Config,
): Promise<(context: QueueDriverContext) => QueueDriver> {
	if (config.jobs.driver === "bullmq") {
		const { redis } = config;
		// parseConfig already refuses bullmq without REDIS_URL; a Config built by hand may not.
		if (!redis)
			throw new ConfigError(
				"BASALT_QUEUE",
				'"bullmq" needs REDIS_URL to be set',
			);
		const { createBullmqQueueDriver } = await import(
			"./core/jobs/bullmq/bullmq-queue-driver.js"
		);
		const { createRedisClient } = await import("./tools/redis/redis-client.js");
		return (context) =>
			createBullmqQueueDriver({
				...context,
				connectRedis: (options) =>
					createRedisClient(redisConnection(redis, context.logger), options),
				relayPollMs: config.jobs.pollMs,
			});
	}
	if (config.jobs.driver === "rabbitmq") {
		const { amqp } = config.jobs;
		// parseConfig already refuses rabbitmq without AMQP_URL; a Config built by hand may not.
		if (!amqp)
			throw new ConfigError(
				"BASALT_QUEUE",
				'"rabbitmq" needs AMQP_URL to be set',
			);
		const { createRabbitmqQueueDriver } = await import(
			"./core/jobs/rabbitmq/rabbitmq-queue-driver.js"
		);
		const tls = amqp.tls && {
			verify: amqp.tls.verify,
			...(amqp.tls.caFile ? { ca: readFileSync(amqp.tls.caFile) } : {}),
		};
		return (context) =>
			createRabbitmqQueueDriver({
				...context,
				url: amqp.url,
				...(tls ? { tls } : {}),
				relayPollMs: config.jobs.pollMs,
			});
	}
	return createDbQueueDriver;
}

/** Starts tracing (docs/observability.md#tracing), loading the OpenTelemetry SDK. */
async function startTracing(
	settings: NonNullable<Config["tracing"]>,
): Promise<Tracing> {
	const { Tracing } = await import("./core/tracing/tracing.js");
	return new Tracing(settings);
}

/** The event bus between nodes, over Redis pub/sub (docs/scale-out.md). */
async function openEventBus(redis: RedisConnection) {
	const { createRedisEventBus } = await import(
		"./tools/event-bus/redis-bus.js"
	);
	return createRedisEventBus({ redis });
}

/** Creates and starts an App: database opened and migrated, key ring and collections loaded. */
export async function createApp(
	config: Config,
	options: CreateAppOptions = {},
): Promise<App> {
	const tracing = config.tracing
		? await startTracing(config.tracing)
		: undefined;
	const logger =
		options.logger ??
		createLogger({
			level: config.logs.level,
			format: config.logs.format,
			...(options.logDestination
				? { destination: options.logDestination }
				: {}),
			...(tracing ? { mixin: tracing.logFields } : {}),
		});
	const queueDriver = await queueDriverFor(config);
	const db = await openDatabase(config, logger);
	const rateLimits = await rateLimitStoreFor(config, logger);
	const app = new App({
		config,
		version: readBasaltVersion(),
		logger,
		db,
		queueDriver,
		mailTransport: await mailTransportFor(config, logger),
		rateLimitStore: rateLimits.store,
		readinessChecks: rateLimits.readinessChecks,
		degradationChecks: rateLimits.degradationChecks,
		cacheStores: await openCacheStores(config, logger),
		...(config.redis
			? { eventBus: await openEventBus(redisConnection(config.redis, logger)) }
			: {}),
		...(tracing ? { tracing } : {}),
		...(options.clock ? { clock: options.clock } : {}),
	});
	try {
		await app.start();
	} catch (err: unknown) {
		await app.close();
		throw err;
	}
	return app;
}
