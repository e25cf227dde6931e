import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { readPackageVersion } from "../helpers/package-version.js";
import {
	findPostgresBin,
	type PostgresServer,
	startPostgres,
} from "../helpers/postgres-server.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import { buildServer, startServerProcess } from "../helpers/spawn-server.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

const redisBin = findRedisServer();
const postgresBin = findPostgresBin();
if (!postgresBin && process.env.CI === "true")
	throw new Error(
		"PostgreSQL binaries not found: CI must run the health suite",
	);

/** Readiness and liveness as a load balancer reads them. */
async function probe(t: TestApp) {
	const ready = await t.request("GET", "/health/ready");
	const live = await t.request("GET", "/health/live");
	return {
		ready: ready.status,
		failing: ready.body.failing,
		live: live.status,
	};
}

/** What a ready node says is degraded (undefined: nothing). */
async function degradedParts(t: TestApp) {
	return (await t.request("GET", "/health/ready")).body.degraded;
}

// A node whose database or Redis is away must say so by name (so the balancer takes
// it out and the operator knows why) while liveness stays 200 (so the orchestrator
// does not restart a process that is fine), and be ready again once the part is back.
describe.runIf(redisBin)("readiness with Redis holding the job queue", () => {
	let redis: RedisServer;
	let t: TestApp;

	beforeAll(async () => {
		redis = await startRedis(redisBin as string);
		t = await createTestApp("sqlite", undefined, {
			REDIS_URL: redis.url,
			BASALT_QUEUE: "bullmq",
		});
	});
	afterAll(async () => {
		await t?.close();
		await redis?.stop();
	});

	it("names Redis while it is down, and recovers when it returns", async () => {
		expect(await probe(t)).toEqual({
			ready: 200,
			failing: undefined,
			live: 200,
		});
		const port = Number(new URL(redis.url).port);
		await redis.stop();
		const down = await probe(t);
		expect(down.ready).toBe(503);
		expect(down.failing).toEqual({ redis: "redis does not answer" });
		expect(down.live).toBe(200);
		redis = await startRedis(redisBin as string, port);
		const back = await eventually(
			() => probe(t),
			(state) => state.ready === 200,
			15_000,
		);
		expect(back).toEqual({ ready: 200, failing: undefined, live: 200 });
	});
});

// Without the job queue on it, Redis holds only what a node can do without (rate
// limits, the event bus, the cache): the node stays ready and says it is degraded.
describe.runIf(redisBin)(
	"readiness with Redis for limits, bus and cache",
	() => {
		let redis: RedisServer;
		let t: TestApp;

		beforeAll(async () => {
			redis = await startRedis(redisBin as string);
			t = await createTestApp("sqlite", undefined, { REDIS_URL: redis.url });
		});
		afterAll(async () => {
			await t?.close();
			await redis?.stop();
		});

		it("stays ready, naming Redis and what depends on it as degraded, until it returns", async () => {
			expect(await degradedParts(t)).toBeUndefined();
			const port = Number(new URL(redis.url).port);
			await redis.stop();
			const down = await probe(t);
			expect(down).toEqual({ ready: 200, failing: undefined, live: 200 });
			const degraded = await eventually(
				() => degradedParts(t),
				(parts) => parts?.bus !== undefined,
				5_000,
			);
			expect(degraded.redis).toBe("redis does not answer");
			redis = await startRedis(redisBin as string, port);
			await eventually(
				() => degradedParts(t),
				(parts) => parts === undefined,
				15_000,
			);
		});
	},
);

describe.runIf(postgresBin)("readiness with PostgreSQL", () => {
	let postgres: PostgresServer;
	let t: TestApp;

	beforeAll(async () => {
		// Its own cluster: the suite-wide one must stay up for the other suites.
		postgres = await startPostgres(postgresBin as string);
		t = await createTestApp("postgres", postgres.url);
	}, 60_000);
	afterAll(async () => {
		await t?.close();
		await postgres?.stop();
	});

	it("names the database while it is down, and recovers when it returns", async () => {
		expect(await probe(t)).toEqual({
			ready: 200,
			failing: undefined,
			live: 200,
		});
		await postgres.halt();
		const down = await probe(t);
		expect(down.ready).toBe(503);
		expect(down.failing).toMatchObject({
			database: "the database does not answer",
		});
		expect(down.live).toBe(200);
		await postgres.resume();
		const back = await eventually(
			() => probe(t),
			(state) => state.ready === 200,
			15_000,
		);
		expect(back).toEqual({ ready: 200, failing: undefined, live: 200 });
	}, 60_000);
});

describe("liveness", () => {
	let t: TestApp;

	beforeAll(async () => {
		t = await createTestApp("sqlite", undefined);
	});
	afterAll(async () => {
		await t?.close();
	});

	it("answers 200 with the version package.json sets", async () => {
		const live = await t.request("GET", "/health/live");
		expect(live.status).toBe(200);
		expect(live.body).toEqual({ status: "ok", version: readPackageVersion() });
	});
});

describe("shutdown", () => {
	beforeAll(() => buildServer(), 120_000);

	it("answers 503 on readiness while it still serves, then exits, on SIGTERM", async () => {
		const server = await startServerProcess({
			BASALT_SHUTDOWN_DELAY_MS: "1500",
		});
		const stopped = server.stop();
		const draining = await eventually(
			async () => {
				const ready = await fetch(`${server.url}/health/ready`);
				return { status: ready.status, body: await ready.json() };
			},
			(answer) => answer.status === 503,
			5000,
		);
		expect(draining).toMatchObject({
			status: 503,
			body: { failing: { shutdown: "the server is shutting down" } },
		});
		// Still serving requests while the balancer drains it; the built server finds
		// package.json from dist/ as the sources do from src/.
		const live = await fetch(`${server.url}/health/live`);
		expect(live.status).toBe(200);
		expect(await live.json()).toEqual({
			status: "ok",
			version: readPackageVersion(),
		});
		expect((await fetch(`${server.url}/api/v1/collections`)).status).toBe(401);
		expect(await stopped).toBe(0);
	}, 60_000);
});
