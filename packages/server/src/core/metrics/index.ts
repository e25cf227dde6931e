export { type AppMetrics, createAppMetrics } from "./app-metrics.js";
export type { AuthMetrics } from "./auth-metrics.js";
export type {
	CacheLookupCounter,
	CacheMetrics,
	CacheName,
	ResponseCacheState,
} from "./cache-metrics.js";
export { createCollectionNames } from "./collection-names.js";
export { operationOf } from "./db-metrics.js";
export { type HttpMetrics, UNMATCHED_ROUTE } from "./http-metrics.js";
export type { JobMetrics } from "./job-metrics.js";
export type { DeliveryOutcome, WebhookMetrics } from "./webhook-metrics.js";
