// Types only: createRedisClient (and ioredis) is loaded from ./redis-client.js by
// whoever connects (docs/architecture.md#drivers-loaded-on-demand).
export type { RedisConnection } from "./redis-client.js";
export { isTlsError } from "./tls-error.js";
