export {
	createFallbackRateLimitStore,
	type FallbackRateLimitStoreOptions,
} from "./fallback-store.js";
export {
	createMemoryRateLimitStore,
	type MemoryRateLimitStore,
	type MemoryRateLimitStoreOptions,
} from "./memory-store.js";
export { normalizeIp } from "./normalize-ip.js";
export { rateLimitHeaders } from "./rate-limit-headers.js";
export type { RateLimitHit, RateLimitStore } from "./rate-limit-store.js";
export {
	createRateLimiter,
	normalizeIdentity,
	type RateLimitDecision,
	type RateLimiter,
	type RateLimitKeyPart,
	type RateLimitRule,
	strictestDecision,
} from "./rate-limiter.js";
export {
	createRedisRateLimitStore,
	type RedisRateLimitStoreOptions,
} from "./redis-store.js";
