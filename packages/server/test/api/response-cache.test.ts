import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	findMemcached,
	type MemcachedServer,
	startMemcached,
} from "../helpers/memcached-server.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import {
	createCollection,
	responseCacheScenarios,
} from "../helpers/response-cache-scenarios.js";
import { scrapeMetrics } from "../helpers/scrape-metrics.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

// The in-process store, on both databases.
describeEachDialect("response cache (memory store)", (t) => {
	responseCacheScenarios(t);

	it("decides `auto` on the reads and writes it counts, and shows it in the collection and metrics", async () => {
		await createCollection(t(), {
			name: "catalog",
			fields: [{ name: "title", type: "text" }],
			rules: { list: "", view: "" },
			cache: { mode: "auto", ttlSeconds: 60 },
		});
		const url = "/api/v1/collections/catalog/records";
		const status = async () =>
			(
				await t().request("GET", "/api/v1/collections/catalog", {
					token: "superuser",
				})
			).body.cacheStatus;
		expect(await status()).toEqual({
			active: false,
			reads: 0,
			writes: 0,
			windowSeconds: 60,
		});
		expect((await t().request("GET", url)).headers["x-cache"]).toBe("BYPASS");
		for (let i = 0; i < 60; i++) await t().request("GET", url);
		expect(await status()).toMatchObject({
			active: true,
			reads: 61,
			writes: 0,
		});
		await t().request("GET", url);
		expect((await t().request("GET", url)).headers["x-cache"]).toBe("HIT");
		// Writes pick up: at fewer than 4 reads a write, auto turns itself off.
		for (let i = 0; i < 20; i++)
			await t().request("POST", `${url}`, {
				token: "superuser",
				body: { title: `t${i}` },
			});
		expect(await status()).toMatchObject({ active: false, writes: 20 });
		expect((await t().request("GET", url)).headers["x-cache"]).toBe("BYPASS");
		const metrics = await scrapeMetrics(t());
		const lookups = (result: string) =>
			metrics.value("basalt_cache_requests_total", {
				cache: "response",
				collection: "catalog",
				result,
			});
		expect(lookups("hit")).toBeGreaterThanOrEqual(1);
		expect(lookups("bypass")).toBeGreaterThanOrEqual(50);
		expect(
			metrics.value("basalt_response_cache_active", { collection: "catalog" }),
		).toBe(0);
	});
});

// Locally a missing server skips these suites; under CI=true finding it throws.
const redisBin = findRedisServer();
const memcachedBin = findMemcached();

/** Runs the scenarios on an App whose cache store is a real shared server. */
function onSharedStore(
	name: string,
	bin: string | undefined,
	start: () => Promise<{ env: Record<string, string>; stop(): Promise<void> }>,
): void {
	(bin ? describe : describe.skip)(`response cache (${name} store)`, () => {
		let server:
			| { env: Record<string, string>; stop(): Promise<void> }
			| undefined;
		let app: TestApp | undefined;
		beforeAll(async () => {
			server = await start();
			app = await createTestApp("sqlite", inject("postgresUrl"), server.env);
		});
		afterAll(async () => {
			await app?.close();
			await server?.stop();
		});
		responseCacheScenarios(() => app as TestApp);
	});
}

onSharedStore("redis", redisBin, async () => {
	const redis: RedisServer = await startRedis(redisBin as string);
	return { env: { REDIS_URL: redis.url }, stop: () => redis.stop() };
});
onSharedStore("memcached", memcachedBin, async () => {
	const memcached: MemcachedServer = await startMemcached(
		memcachedBin as string,
	);
	return {
		env: {
			BASALT_CACHE_STORE: "memcached",
			MEMCACHED_SERVERS: memcached.address,
		},
		stop: () => memcached.stop(),
	};
});
onSharedStore("memory, tokens in redis", redisBin, async () => {
	const redis: RedisServer = await startRedis(redisBin as string);
	return {
		env: { REDIS_URL: redis.url, BASALT_CACHE_STORE: "memory" },
		stop: () => redis.stop(),
	};
});
