export {
	assertTtl,
	type CacheStore,
	type CacheStoreKind,
	cacheStoreKinds,
} from "./cache-store.js";
export {
	createMemcachedCacheStore,
	type MemcachedCacheStoreOptions,
} from "./memcached-store.js";
export {
	createMemoryCacheStore,
	type MemoryCacheStore,
	type MemoryCacheStoreOptions,
} from "./memory-store.js";
export {
	createRedisCacheStore,
	type RedisCacheStoreOptions,
} from "./redis-store.js";
