import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createLogger } from "../../src/tools/logger/index.js";
import { captureLogLines } from "../helpers/log-capture.js";
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
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const redisBin = findRedisServer();
const memcachedBin = findMemcached();

/** A store server the test can stop and start again on the same port. */
interface Outage {
	env: Record<string, string>;
	stop(): Promise<void>;
	restart(): Promise<void>;
	close(): Promise<void>;
}

/**
 * Degrade, never fail (docs/caching.md#when-a-store-fails): with the cache's store
 * killed during traffic, reads and writes keep working without a 5xx, reads say
 * BYPASS, /health/ready stays 200 naming the part, one warning is logged, and when
 * the store is back the cache works again with nothing stale.
 */
function outageSuite(
	name: string,
	bin: string | undefined,
	open: () => Promise<Outage>,
	degradedParts: string[],
): void {
	(bin ? describe : describe.skip)(
		`the ${name} store killed during traffic`,
		() => {
			let outage: Outage;
			let t: TestApp;
			const logs = captureLogLines();
			beforeAll(async () => {
				outage = await open();
				t = await createTestApp("sqlite", inject("postgresUrl"), outage.env, {
					logger: createLogger({
						level: "info",
						format: "json",
						destination: logs.stream,
					}),
				});
			});
			afterAll(async () => {
				await t?.close();
				await outage?.close();
			});

			it("answers every request without a 5xx, goes around the cache, and recovers", async () => {
				const made = await t.request("POST", "/api/v1/collections", {
					token: "superuser",
					body: {
						name: "notes",
						fields: [{ name: "n", type: "number" }],
						rules: { list: "", view: "", create: "", update: "" },
						cache: { mode: "on", ttlSeconds: 600 },
					},
				});
				expect(made.status, made.text).toBe(201);
				const record = await t.request(
					"POST",
					"/api/v1/collections/notes/records",
					{
						body: { n: 0 },
					},
				);
				const url = `/api/v1/collections/notes/records/${record.body.id}`;
				await t.request("GET", url);
				expect((await t.request("GET", url)).headers["x-cache"]).toBe("HIT");

				await outage.stop();
				const statuses: number[] = [];
				const caches: unknown[] = [];
				for (let i = 1; i <= 40; i++) {
					const written = await t.request("PATCH", url, { body: { n: i } });
					statuses.push(written.status);
					const read = await t.request("GET", url);
					statuses.push(read.status);
					caches.push(read.headers["x-cache"]);
					expect(read.body.n).toBe(i);
					const login = await t.request(
						"POST",
						"/api/v1/collections/users/auth/password",
						{ body: { identity: "nobody@example.com", password: "wrong" } },
					);
					statuses.push(login.status);
				}
				expect(statuses.filter((s) => s >= 500)).toEqual([]);
				expect(new Set(caches)).toEqual(new Set(["BYPASS"]));
				const ready = await t.request("GET", "/health/ready");
				expect(ready.status).toBe(200);
				expect(Object.keys(ready.body.degraded ?? {}).sort()).toEqual(
					degradedParts,
				);
				const warnings = logs.lines.filter(
					(l) =>
						typeof l.msg === "string" &&
						l.msg.startsWith("response cache: the store failed"),
				);
				expect(warnings).toHaveLength(1);

				await outage.restart();
				let last: unknown;
				for (let i = 0; i < 100 && last !== "HIT"; i++) {
					await new Promise((r) => setTimeout(r, 100));
					const read = await t.request("GET", url);
					expect(read.status).toBe(200);
					expect(read.body.n).toBe(40);
					last = read.headers["x-cache"];
				}
				expect(last).toBe("HIT");
				const after = await t.request("GET", "/health/ready");
				expect(after.status).toBe(200);
				expect(after.body.degraded).toBeUndefined();
				// A write after the outage is seen at once, as before it.
				await t.request("PATCH", url, { body: { n: 41 } });
				expect((await t.request("GET", url)).body.n).toBe(41);
			}, 60_000);
		},
	);
}

outageSuite(
	"Redis",
	redisBin,
	async () => {
		let server: RedisServer = await startRedis(redisBin as string);
		const port = Number(new URL(server.url).port);
		return {
			env: { REDIS_URL: server.url },
			stop: () => server.stop(),
			async restart() {
				server = await startRedis(redisBin as string, port);
			},
			close: () => server.stop(),
		};
	},
	["bus", "cache", "redis"],
);

outageSuite(
	"Memcached",
	memcachedBin,
	async () => {
		let server: MemcachedServer = await startMemcached(memcachedBin as string);
		return {
			env: {
				BASALT_CACHE_STORE: "memcached",
				MEMCACHED_SERVERS: server.address,
			},
			stop: () => server.stop(),
			async restart() {
				server = await startMemcached(memcachedBin as string, server.port);
			},
			close: () => server.stop(),
		};
	},
	["cache"],
);
