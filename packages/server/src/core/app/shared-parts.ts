import {
	type CacheStore,
	createMemoryCacheStore,
} from "../../tools/cache/index.js";
import {
	createMemoryEventBus,
	type EventBus,
} from "../../tools/event-bus/index.js";
import { createIdGenerator, type IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { MailTransport } from "../../tools/mailer/index.js";
import type { RateLimitStore } from "../../tools/rate-limit/index.js";
import { type Clock, systemClock } from "../../tools/time/index.js";
import { CollectionRegistry } from "../collections/index.js";
import type { Config } from "../config/index.js";
import type { Database } from "../db/index.js";
import { DataKeyRing } from "../encryption/index.js";
import type { QueueDriver } from "../jobs/index.js";
import { type AppMetrics, createAppMetrics } from "../metrics/index.js";
import { createFilterParser, type FilterParser } from "../query/index.js";
import type { Tracing } from "../tracing/index.js";
import type { ReadinessChecks } from "./area.js";

/** What a queue driver factory gets from the App. */
export interface QueueDriverContext {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
}

/**
 * Where the response cache keeps answers and generation tokens (docs/caching.md#stores):
 * one shared store for both (Redis, Memcached), or answers in this process and tokens
 * in Redis when nodes share Redis, or both in this process.
 */
export interface CacheStores {
	entries: CacheStore;
	generations: CacheStore;
}

/** What an App is made from; index.ts and the CLI pick the concrete parts. */
export interface AppParts {
	config: Config;
	/** Basalt's version (package.json), for /health/live and the OpenAPI document. */
	version: string;
	logger: Logger;
	db: Database;
	/** The current time; tests may fix it. */
	clock?: Clock;
	/** Where mail goes: SMTP, or the log when no SMTP server is configured. */
	mailTransport: MailTransport;
	/** Where rate-limit counters live: memory, or Redis shared by every node. */
	rateLimitStore: RateLimitStore;
	/** Makes the job queue driver (db or bullmq); index.ts and the CLI choose it. */
	queueDriver: (context: QueueDriverContext) => QueueDriver;
	/** Trace export, when Config.tracing is set; the App shuts it down on close. */
	tracing?: Tracing;
	/** Parts besides the database that must answer for the node to be ready (Redis). */
	readinessChecks?: ReadinessChecks;
	/** Parts the node serves without, reported as `degraded` (Redis without `bullmq`). */
	degradationChecks?: ReadinessChecks;
	/** The response cache's stores; default: this process's memory, Config.cache.maxBytes. */
	cacheStores?: CacheStores;
	/** The bus between nodes (Redis pub/sub); default: this process only. */
	eventBus?: EventBus;
}

/** What every area is built from. */
export interface SharedParts {
	config: Config;
	logger: Logger;
	db: Database;
	clock: Clock;
	newId: IdGenerator;
	/** The loaded collections, by name and id. */
	registry: CollectionRegistry;
	/** Parses filters and rules once per text. */
	parseFilter: FilterParser;
	metrics: AppMetrics;
	/**
	 * The data key ring, wrapped by the master key: encrypts field values and seals
	 * the secrets Basalt stores. The App loads it before any area starts.
	 */
	dataKeys: DataKeyRing;
	/** Spans of requests, statements and jobs; undefined when tracing is off. */
	tracing: Tracing | undefined;
	/** The response cache's stores; the App closes them. */
	cacheStores: CacheStores;
	/** Carries schema and account changes to the other nodes; the App closes it. */
	bus: EventBus;
}

/** Builds the parts every area shares from what index.ts or the CLI picked. */
export function createSharedParts(parts: AppParts): SharedParts {
	const { config, logger, db } = parts;
	const clock = parts.clock ?? systemClock;
	const newId = createIdGenerator(() => clock().getTime());
	return {
		config,
		logger,
		db,
		clock,
		newId,
		registry: new CollectionRegistry(),
		parseFilter: createFilterParser(),
		metrics: createAppMetrics({
			dialect: db.dialect.name,
			slowQueryMs: config.db.slowQueryMs,
			logger,
		}),
		dataKeys: new DataKeyRing({
			db,
			dataDir: config.dataDir,
			masterKey: config.masterKey,
			newId,
			clock,
		}),
		tracing: parts.tracing,
		cacheStores: parts.cacheStores ?? memoryCacheStores(config.cache.maxBytes),
		bus: parts.eventBus ?? createMemoryEventBus(),
	};
}

/** Closes the shared parts that hold connections: after every area closed. */
export async function closeSharedParts(shared: SharedParts): Promise<void> {
	const { entries, generations } = shared.cacheStores;
	await entries.close();
	if (generations !== entries) await generations.close();
	await shared.bus.close();
}

/** Both response cache stores in this process: answers bounded, tokens apart from them. */
export function memoryCacheStores(maxBytes: number): CacheStores {
	return {
		entries: createMemoryCacheStore({ maxBytes }),
		// A token per collection: apart from the answers, so no answer evicts one.
		generations: createMemoryCacheStore({ maxBytes: 4 * 1024 * 1024 }),
	};
}
