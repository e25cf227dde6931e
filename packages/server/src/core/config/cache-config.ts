import {
	type CacheStoreKind,
	cacheStoreKinds,
} from "../../tools/cache/index.js";
import { ConfigError } from "./config-error.js";
import { integer, list, oneOf, type Reader } from "./read-values.js";

/** Where the response cache keeps answers (docs/caching.md#stores). */
export interface CacheConfig {
	/** `memory` (this process), `redis` (REDIS_URL) or `memcached` (MEMCACHED_SERVERS). */
	store: CacheStoreKind;
	/** `host:port` of each Memcached server; empty unless the store is `memcached`. */
	memcachedServers: string[];
	/** The in-process store's bound, keys and values counted. */
	maxBytes: number;
}

/** Reads BASALT_CACHE_STORE, MEMCACHED_SERVERS and BASALT_CACHE_MAX_BYTES. */
export function readCacheConfig(
	read: Reader,
	redisUrl: string | undefined,
): CacheConfig {
	const store = oneOf(
		read,
		"BASALT_CACHE_STORE",
		cacheStoreKinds,
		redisUrl ? "redis" : "memory",
	);
	if (store === "redis" && !redisUrl)
		throw new ConfigError(
			"BASALT_CACHE_STORE",
			'"redis" needs REDIS_URL to be set',
		);
	const raw = read("MEMCACHED_SERVERS");
	const memcachedServers = raw === undefined ? [] : list(raw);
	for (const server of memcachedServers)
		if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(server))
			throw new ConfigError(
				"MEMCACHED_SERVERS",
				`must be a comma list of host:port, got "${server}"`,
			);
	if (store === "memcached" && memcachedServers.length === 0)
		throw new ConfigError(
			"BASALT_CACHE_STORE",
			'"memcached" needs MEMCACHED_SERVERS to be set',
		);
	return {
		store,
		memcachedServers,
		maxBytes: integer(
			read,
			"BASALT_CACHE_MAX_BYTES",
			32 * 1024 * 1024,
			64 * 1024,
			64 * 1024 ** 3,
		),
	};
}
