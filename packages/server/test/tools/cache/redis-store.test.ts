import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisCacheStore } from "../../../src/tools/cache/index.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../../helpers/redis-server.js";
import { cacheStoreContract, sharedStoreContract } from "./cache-contract.js";

// Locally a missing redis-server skips these suites; under CI=true it throws.
const redisBin = findRedisServer();

(redisBin ? describe : describe.skip)("redis cache store", () => {
	let server: RedisServer | undefined;
	const clients = new Set<Redis>();
	beforeAll(async () => {
		server = await startRedis(redisBin as string);
	});
	afterAll(async () => {
		await Promise.all([...clients].map((c) => c.quit()));
		await server?.stop();
	});
	function connect(): Redis {
		const client = new Redis((server as RedisServer).url);
		clients.add(client);
		return client;
	}
	// Peers are separate connections, as separate nodes would have, sharing a prefix
	// of their own so tests do not see each other's keys.
	async function open(peers: number) {
		const prefix = `t${randomBytes(5).toString("hex")}:`;
		const connections = Array.from({ length: peers }, () => connect());
		return {
			stores: connections.map((redis) =>
				createRedisCacheStore({ redis, prefix }),
			),
			async cleanup() {
				for (const c of connections) clients.delete(c);
				await Promise.all(connections.map((c) => c.quit()));
			},
		};
	}
	cacheStoreContract("redis", open);
	sharedStoreContract("redis", open);

	it("keeps each entry under its prefix with the time to live in ms", async () => {
		const redis = connect();
		const store = createRedisCacheStore({ redis, prefix: "ttl-test:" });
		await store.set("k", "v", 90_000);
		expect(await redis.get("ttl-test:k")).toBe("v");
		const ttl = await redis.pttl("ttl-test:k");
		expect(ttl).toBeGreaterThan(85_000);
		expect(ttl).toBeLessThanOrEqual(90_000);
		expect(await redis.exists("k")).toBe(0);
	});

	it("rejects while Redis is down instead of waiting, and works again once it is back", async () => {
		const own = await startRedis(redisBin as string);
		const redis = new Redis(own.url, {
			maxRetriesPerRequest: 0,
			enableOfflineQueue: false,
			lazyConnect: true,
			retryStrategy: () => 50,
		});
		redis.on("error", () => {});
		clients.add(redis);
		await redis.connect();
		const store = createRedisCacheStore({ redis, prefix: "down-test:" });
		await store.set("k", "v", 60_000);
		await own.stop();
		await expect(store.getMany(["k"])).rejects.toThrow();
		await expect(store.set("k", "w", 60_000)).rejects.toThrow();
		const again = await startRedis(
			redisBin as string,
			Number(new URL(own.url).port),
		);
		try {
			// A restarted Redis (nothing persisted) starts empty; ioredis reconnects.
			let value: (string | undefined)[] = [];
			for (let i = 0; i < 50 && value[0] !== "after"; i++) {
				try {
					await store.set("k", "after", 60_000);
					value = await store.getMany(["k"]);
				} catch {
					await new Promise((resolve) => setTimeout(resolve, 100));
				}
			}
			expect(value).toEqual(["after"]);
		} finally {
			clients.delete(redis);
			redis.disconnect();
			await again.stop();
		}
	});
});
