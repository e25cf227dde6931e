export {
	assertTtl,
	type CacheStore,
	type CacheStoreKind,
	cacheStoreKinds,
} from "./cache-store.js";
// Types only: the Memcached store (and memjs) is loaded from ./memcached-store.js
// when BASALT_CACHE_STORE=memcached.
export type { MemcachedCacheStoreOptions } from "./memcached-store.js";
export {
	createMemoryCacheStore,
	type MemoryCacheStore,
	type MemoryCacheStoreOptions,
} from "./memory-store.js";
export {
	createRedisCacheStore,
	type RedisCacheStoreOptions,
} from "./redis-store.js";
