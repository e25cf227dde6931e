import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRateLimitStore } from "../../../src/tools/rate-limit/index.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../../helpers/redis-server.js";
import { rateLimitStoreContract } from "./rate-limit-contract.js";

// Locally a missing redis-server skips these suites; under CI=true it throws.
const redisBin = findRedisServer();
const W = 60_000;

(redisBin ? describe : describe.skip)("redis rate-limit store", () => {
	let server: RedisServer | undefined;
	const clients: Redis[] = [];
	beforeAll(async () => {
		server = await startRedis(redisBin as string);
	});
	afterAll(async () => {
		await Promise.all(clients.map((c) => c.quit()));
		await server?.stop();
	});
	function connect(): Redis {
		const client = new Redis((server as RedisServer).url);
		clients.push(client);
		return client;
	}

	// Peers are separate connections, as separate processes would have, sharing a
	// prefix of their own so tests do not see each other's keys.
	rateLimitStoreContract("redis", async (peers) => {
		const prefix = `t${randomBytes(5).toString("hex")}:`;
		const connections = Array.from({ length: peers }, () => connect());
		return {
			stores: connections.map((redis) =>
				createRedisRateLimitStore({ redis, prefix }),
			),
			async cleanup() {
				for (const c of connections) clients.splice(clients.indexOf(c), 1);
				await Promise.all(connections.map((c) => c.quit()));
			},
		};
	});

	it("keeps a key under its prefix, expiring two windows after its last hit", async () => {
		const redis = connect();
		const store = createRedisRateLimitStore({ redis, prefix: "ttl-test:" });
		await store.hit("k", W, Date.now());
		const ttl = await redis.pttl("ttl-test:k");
		expect(ttl).toBeGreaterThan(2 * W - 5_000);
		expect(ttl).toBeLessThanOrEqual(2 * W);
		await store.reset("k");
		expect(await redis.exists("ttl-test:k")).toBe(0);
	});

	it("loads its script again after Redis forgot it (SCRIPT FLUSH, a restart)", async () => {
		const redis = connect();
		const store = createRedisRateLimitStore({ redis, prefix: "flush-test:" });
		expect((await store.hit("k", W, 0)).count).toBe(1);
		await redis.script("FLUSH");
		expect((await store.hit("k", W, 0)).count).toBe(2);
	});

	it("leaves the caller's connection open on close", async () => {
		const redis = connect();
		const store = createRedisRateLimitStore({ redis });
		await store.close();
		expect(await redis.ping()).toBe("PONG");
	});
});
