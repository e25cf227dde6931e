import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Logger } from "../../tools/logger/index.js";
import type { QueryEvent } from "../db/index.js";
import type { RequestLogCounters } from "../logs/index.js";
import { type AuthMetrics, createAuthMetrics } from "./auth-metrics.js";
import { type CacheMetrics, createCacheMetrics } from "./cache-metrics.js";
import { createDbMetrics } from "./db-metrics.js";
import { createHttpMetrics, type HttpMetrics } from "./http-metrics.js";
import { createJobMetrics, type JobMetrics } from "./job-metrics.js";
import { createRequestLogMetrics } from "./request-log-metrics.js";
import {
	createWebhookMetrics,
	type WebhookMetrics,
} from "./webhook-metrics.js";

/** What an App's metrics are made from. */
export interface AppMetricsOptions {
	/** The database dialect, a label of the statement metrics. */
	dialect: string;
	/** Statements at or above this many ms count as slow (BASALT_SLOW_QUERY_MS). */
	slowQueryMs: number;
	logger: Logger;
}

/**
 * The Prometheus metrics of one App. The counters exist from the start; what is read
 * at scrape time from a part of the App (readiness, the request log's buffer) is
 * registered by that part once it exists, with the `observe…` methods.
 */
export interface AppMetrics {
	readonly registry: Registry;
	readonly http: HttpMetrics;
	/** Hears each statement (a `db.onQuery` listener). */
	readonly db: (event: QueryEvent) => void;
	readonly cache: CacheMetrics;
	readonly jobs: JobMetrics;
	readonly webhooks: WebhookMetrics;
	readonly auth: AuthMetrics;
	/** Reports `basalt_ready` from the App's readiness at each scrape. */
	observeReadiness(readiness: () => Promise<Record<string, string>>): void;
	/** Reports the request log's written, dropped and buffered rows at each scrape. */
	observeRequestLog(counters: () => RequestLogCounters): void;
	/** The text Prometheus scrapes, and its content type. */
	scrape(): Promise<{ contentType: string; text: string }>;
}

/**
 * Creates the Prometheus metrics of one App (docs/operations.md#metrics), on a
 * registry of its own: never prom-client's global one, so several Apps in one process
 * (tests) do not share or collide. Process metrics (`process_*`, `nodejs_*`, event-loop
 * lag included) keep their standard names, so existing Node.js dashboards read them.
 */
export function createAppMetrics(options: AppMetricsOptions): AppMetrics {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry });
	return {
		registry,
		http: createHttpMetrics(registry),
		db: createDbMetrics(registry, options),
		cache: createCacheMetrics(registry),
		jobs: createJobMetrics(registry, options),
		webhooks: createWebhookMetrics(registry),
		auth: createAuthMetrics(registry),
		observeReadiness(readiness) {
			new Gauge({
				name: "basalt_ready",
				help: "1 when the node is ready to serve (GET /health/ready answers 200), else 0; checked at scrape time.",
				registers: [registry],
				async collect() {
					const failing = await readiness();
					this.set(Object.keys(failing).length === 0 ? 1 : 0);
				},
			});
		},
		observeRequestLog(counters) {
			createRequestLogMetrics(registry, counters);
		},
		async scrape() {
			return {
				contentType: registry.contentType,
				text: await registry.metrics(),
			};
		},
	};
}
