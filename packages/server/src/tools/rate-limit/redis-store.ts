import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { RateLimitStore } from "./rate-limit-store.js";
import { weighWindows, windowStartOf } from "./sliding-window.js";

/** Options of the Redis store. */
export interface RedisRateLimitStoreOptions {
	/** The connection; the caller owns it, and closes it after the store. */
	redis: Redis;
	/** Prepended to every key. Default `basalt:rate-limit:`. */
	prefix?: string;
}

/**
 * countHit of sliding-window.ts, run in Redis so that the read and the write are one
 * atomic step however many processes hit the key. The counters live in one hash per
 * key (one key per call, so it also runs on Redis Cluster, and reset is one DEL);
 * the start travels as the caller's string, so Lua never formats a 13-digit number.
 * The hash expires two windows after its last hit, when its counts weigh nothing.
 * ARGV: window start (ms), window length (ms), TTL (ms). Returns start, current,
 * previous.
 */
const HIT_SCRIPT = `
local stored = redis.call("HMGET", KEYS[1], "start", "current", "previous")
local start, current, previous = ARGV[1], 0, 0
local storedStart = tonumber(stored[1])
if storedStart and storedStart >= tonumber(start) then
  start, current, previous = stored[1], tonumber(stored[2]), tonumber(stored[3])
elseif storedStart == tonumber(start) - tonumber(ARGV[2]) then
  previous = tonumber(stored[2])
end
current = current + 1
redis.call("HSET", KEYS[1], "start", start, "current", current, "previous", previous)
redis.call("PEXPIRE", KEYS[1], ARGV[3])
return {start, current, previous}
`;
const HIT_SHA = createHash("sha1").update(HIT_SCRIPT).digest("hex");

/**
 * Creates a store that keeps counters in Redis, so every process behind a load
 * balancer counts against the same limits. A hit is one EVALSHA round trip (the
 * script is sent in full only when Redis does not have it cached yet); counting
 * happens in a Lua script, so 100 concurrent hits from any number of processes
 * yield the counts 1 to 100. Memory is bounded by expiry: a key lives two windows.
 * close() leaves the connection open: the caller made it and quits it.
 *
 * @example
 * const store = createRedisRateLimitStore({ redis: new Redis(url), prefix: "app1:rl:" });
 */
export function createRedisRateLimitStore(
	options: RedisRateLimitStoreOptions,
): RateLimitStore {
	const { redis, prefix = "basalt:rate-limit:" } = options;
	const runHit = async (args: string[]): Promise<unknown> => {
		try {
			return await redis.evalsha(HIT_SHA, 1, ...args);
		} catch (err: unknown) {
			if (!String(err).includes("NOSCRIPT")) throw err;
			return await redis.eval(HIT_SCRIPT, 1, ...args);
		}
	};
	return {
		async hit(key, windowMs, now) {
			const start = windowStartOf(now, windowMs);
			const reply = await runHit([
				prefix + key,
				String(start),
				String(windowMs),
				String(2 * windowMs),
			]);
			const [counted = start, current = 1, previous = 0] = (
				reply as unknown[]
			).map(Number);
			return weighWindows({ start: counted, current, previous }, windowMs, now);
		},
		async reset(key) {
			await redis.del(prefix + key);
		},
		async close() {},
	};
}
