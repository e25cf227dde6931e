export type { BusHandler, EventBus } from "./event-bus.js";
export { createMemoryEventBus } from "./memory-bus.js";
export { createRedisEventBus, type RedisEventBusOptions } from "./redis-bus.js";
