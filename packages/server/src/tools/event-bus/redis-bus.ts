import type { RedisOptions } from "ioredis";
import type { RedisConnection } from "../redis/index.js";
import { createRedisClient } from "../redis/redis-client.js";
import type { BusHandler, EventBus } from "./event-bus.js";

/** Options of the Redis bus. */
export interface RedisEventBusOptions {
	/** The Redis server, TLS settings included. */
	redis: RedisConnection;
	/** Prepended to every channel. Default `basalt:`. */
	prefix?: string;
	/** Extra ioredis options for both connections (tests shorten the retry delay). */
	redisOptions?: RedisOptions;
}

/**
 * Creates a bus over Redis pub/sub: one connection publishes, one subscribes (a
 * subscribed Redis connection can do nothing else). ioredis reconnects on its own and
 * subscribes again; publishing fails at once while Redis is away (no offline queue), so
 * no caller waits on an outage. `connected` follows the subscriber, which is what can
 * miss messages.
 *
 * @example
 * const bus = await createRedisEventBus({ redis: { url: "redis://127.0.0.1:6379" } });
 */
export async function createRedisEventBus(
	options: RedisEventBusOptions,
): Promise<EventBus> {
	const prefix = options.prefix ?? "basalt:";
	const base: RedisOptions = {
		maxRetriesPerRequest: 0,
		enableOfflineQueue: false,
		lazyConnect: true,
		...options.redisOptions,
	};
	const publisher = createRedisClient(options.redis, base);
	// The subscriber queues its SUBSCRIBE commands until it is connected again.
	const subscriber = createRedisClient(options.redis, {
		...base,
		enableOfflineQueue: true,
	});
	// Outages are reported through onConnectionChange; the clients' errors are noise.
	publisher.on("error", () => {});
	subscriber.on("error", () => {});
	const handlers = new Map<string, Set<BusHandler>>();
	const listeners: ((connected: boolean) => void)[] = [];
	let connected = false;
	const changed = (now: boolean) => {
		if (now === connected) return;
		connected = now;
		for (const listener of listeners) listener(now);
	};
	subscriber.on("ready", () => changed(true));
	subscriber.on("close", () => changed(false));
	subscriber.on("message", (channel: string, message: string) => {
		for (const handler of handlers.get(channel) ?? []) handler(message);
	});
	await Promise.all([
		publisher.connect().catch(() => {}),
		subscriber.connect().catch(() => {}),
	]);
	return {
		kind: "redis",
		get connected() {
			return connected;
		},
		async publish(channel, message) {
			return publisher.publish(prefix + channel, message);
		},
		async subscribe(channel, handler) {
			const name = prefix + channel;
			let set = handlers.get(name);
			if (!set) {
				set = new Set();
				handlers.set(name, set);
				// While Redis is away the command waits in the queue and runs on reconnect:
				// waiting for it would hold up a start during an outage.
				const subscribed = subscriber.subscribe(name);
				if (connected) await subscribed;
				else subscribed.catch(() => {});
			}
			const own: BusHandler = (message) => handler(message);
			set.add(own);
			return async () => {
				set.delete(own);
				if (set.size === 0) {
					handlers.delete(name);
					await subscriber.unsubscribe(name).catch(() => {});
				}
			};
		},
		onConnectionChange(listener) {
			listeners.push(listener);
		},
		async close() {
			handlers.clear();
			publisher.disconnect();
			subscriber.disconnect();
		},
	};
}
