import { createHash } from "node:crypto";
import memjs from "memjs";
import { assertTtl, type CacheStore } from "./cache-store.js";

/** Options of the Memcached store. */
export interface MemcachedCacheStoreOptions {
	/** `host:port` of each server (MEMCACHED_SERVERS); keys are spread over them by hash. */
	servers: readonly string[];
	/** Prepended to every key. Default `basalt:cache:`. */
	prefix?: string;
	/** How long one command may take before it fails, in ms. Default 500. */
	timeoutMs?: number;
	/** Hears the client's own complaints (a lost connection); default: ignored. */
	onWarning?: (message: string) => void;
}

/** Memcached refuses keys over 250 bytes; longer ones are stored under their hash. */
const MAX_KEY_BYTES = 250;
/** Memcached reads an expiry above 30 days as a Unix time, so longer ones are capped. */
const MAX_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Creates a store on one or more Memcached servers, over the binary protocol (memjs).
 * A command that fails or exceeds `timeoutMs` rejects at once: no retry, no
 * failover to another server (a key moved to another server would be a second copy
 * that misses invalidations there). Expiry has one-second resolution, rounded up.
 * A read of several keys sends them together on each server's one connection, so it
 * costs about one round trip.
 *
 * Every command also runs against a deadline of its own (`timeoutMs`): memjs leaves a
 * command pending forever when the server closes the connection without answering
 * it (a Memcached stopped mid-command), and when an old connection's close races a
 * new one's connect.
 *
 * @example
 * const store = createMemcachedCacheStore({ servers: ["127.0.0.1:11211"] });
 */
export function createMemcachedCacheStore(
	options: MemcachedCacheStoreOptions,
): CacheStore {
	const { prefix = "basalt:cache:", timeoutMs = 500, onWarning } = options;
	if (options.servers.length === 0)
		throw new RangeError("at least one Memcached server is needed");
	const client = memjs.Client.create(options.servers.join(","), {
		retries: 0,
		failover: false,
		timeout: timeoutMs / 1000,
		conntimeout: (2 * timeoutMs) / 1000,
		keepAlive: true,
		logger: { log: (message: string) => onWarning?.(String(message)) },
	});
	const keyOf = (key: string) => {
		const full = prefix + key;
		return Buffer.byteLength(full) <= MAX_KEY_BYTES && !/[\s\0]/.test(full)
			? full
			: `${prefix}#${createHash("sha256").update(key).digest("base64url")}`;
	};
	const expiresOf = (ttlMs: number) => {
		assertTtl(ttlMs);
		return Math.min(Math.ceil(ttlMs / 1000), MAX_TTL_SECONDS);
	};
	const deadline = <T>(command: Promise<T>) => withDeadline(command, timeoutMs);
	return {
		kind: "memcached",
		async getMany(keys) {
			const found = await deadline(
				Promise.all(keys.map((key) => client.get(keyOf(key)))),
			);
			return found.map(({ value }) =>
				value === null ? undefined : value.toString("utf8"),
			);
		},
		async set(key, value, ttlMs) {
			await deadline(
				client.set(keyOf(key), value, { expires: expiresOf(ttlMs) }),
			);
		},
		async add(key, value, ttlMs) {
			return deadline(
				client.add(keyOf(key), value, { expires: expiresOf(ttlMs) }),
			);
		},
		async delete(key) {
			await deadline(client.delete(keyOf(key)));
		},
		async close() {
			client.close();
		},
	};
}

/** Settles as `command` does, or rejects once `ms` have passed without it settling. */
function withDeadline<T>(command: Promise<T>, ms: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error(`memcached did not answer within ${ms} ms`)),
			ms,
		);
	});
	return Promise.race([command, expired]).finally(() => clearTimeout(timer));
}
