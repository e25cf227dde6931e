import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { dialects } from "../helpers/each-dialect.js";
import { checkJobMetrics } from "../helpers/job-metrics-scenario.js";
import {
	findRedisServer,
	type RedisServer,
	startRedis,
} from "../helpers/redis-server.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

// The job metrics on the BullMQ driver: attempts counted by its worker, and the
// waiting gauges read from BullMQ's wait list and prioritized set.
const redisBin = findRedisServer();

for (const dialect of dialects) {
	const postgresUrl = inject("postgresUrl");
	const run =
		redisBin && (dialect === "sqlite" || postgresUrl)
			? describe
			: describe.skip;
	run(`job metrics on the bullmq driver [${dialect}]`, () => {
		let redis: RedisServer;
		let t: TestApp;
		beforeAll(async () => {
			redis = await startRedis(redisBin as string);
			t = await createTestApp(dialect, postgresUrl, {
				BASALT_QUEUE: "bullmq",
				REDIS_URL: redis.url,
				BASALT_JOB_POLL_MS: "20",
				BASALT_JOB_BACKOFF_MS: "1",
			});
		}, 60_000);
		afterAll(async () => {
			await t?.close();
			await redis?.stop();
		});

		it("counts jobs enqueued, completed, retried and failed, and reads the waiting jobs from BullMQ", async () => {
			await checkJobMetrics(t);
		});
	});
}
