import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Logger } from "../../tools/logger/index.js";
import type { WaitingStats } from "../jobs/index.js";
import type { RequestLogCounters } from "../logs/index.js";
import { createAuthMetrics } from "./auth-metrics.js";
import { createCacheMetrics } from "./cache-metrics.js";
import { createDbMetrics } from "./db-metrics.js";
import { createHttpMetrics } from "./http-metrics.js";
import { createJobMetrics } from "./job-metrics.js";
import { createRequestLogMetrics } from "./request-log-metrics.js";
import { createWebhookMetrics } from "./webhook-metrics.js";

/** What an App's metrics are made from. */
export interface AppMetricsOptions {
	/** The database dialect, a label of the statement metrics. */
	dialect: string;
	/** Statements at or above this many ms count as slow (BASALT_SLOW_QUERY_MS). */
	slowQueryMs: number;
	/** The waiting jobs of every configured queue, read when Prometheus scrapes. */
	waitingStats(): Promise<WaitingStats[]>;
	/** What is not ready, by part (App.readiness); empty when ready. */
	readiness(): Promise<Record<string, string>>;
	/** The database request log's counters, read when Prometheus scrapes. */
	requestLogCounters(): RequestLogCounters;
	logger: Logger;
}

/**
 * The Prometheus metrics of one App (SPEC section 9), on a registry of its own: never
 * prom-client's global one, so several Apps in one process (tests) do not share or
 * collide. Process metrics (`process_*`, `nodejs_*`, event-loop lag included) keep
 * their standard names, so existing Node.js dashboards read them.
 */
export function createAppMetrics(options: AppMetricsOptions) {
	const registry = new Registry();
	collectDefaultMetrics({ register: registry });
	new Gauge({
		name: "basalt_ready",
		help: "1 when the node is ready to serve (GET /health/ready answers 200), else 0; checked at scrape time.",
		registers: [registry],
		async collect() {
			const failing = await options.readiness();
			this.set(Object.keys(failing).length === 0 ? 1 : 0);
		},
	});
	createRequestLogMetrics(registry, options.requestLogCounters);
	return {
		registry,
		http: createHttpMetrics(registry),
		db: createDbMetrics(registry, options),
		cache: createCacheMetrics(registry),
		jobs: createJobMetrics(registry, options),
		webhooks: createWebhookMetrics(registry),
		auth: createAuthMetrics(registry),
		/** The text Prometheus scrapes, and its content type. */
		async scrape(): Promise<{ contentType: string; text: string }> {
			return {
				contentType: registry.contentType,
				text: await registry.metrics(),
			};
		},
	};
}

/** The metrics of one App. */
export type AppMetrics = ReturnType<typeof createAppMetrics>;
