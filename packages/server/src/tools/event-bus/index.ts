export type { BusHandler, EventBus } from "./event-bus.js";
export { createMemoryEventBus } from "./memory-bus.js";
// Types only: the Redis bus (and ioredis) is loaded by whoever needs it, from
// ./redis-bus.js, so a node without Redis never loads the client.
export type { RedisEventBusOptions } from "./redis-bus.js";
