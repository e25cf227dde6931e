import { expect } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import { type Scrape, scrapeMetrics } from "./scrape-metrics.js";
import type { TestApp } from "./test-app.js";

/**
 * The job metrics on any queue driver: before the worker starts, the default queue
 * shows its waiting jobs and the age of the oldest at scrape time; then one job
 * completes and one fails its first attempt (retried) and its last (failed), each
 * attempt timed. The App's worker must not be running yet; its config must have a
 * short poll and backoff.
 */
export async function checkJobMetrics(t: TestApp): Promise<void> {
	const { jobs } = t.app;
	const before = await scrapeMetrics(t);
	const waitingBefore = before.value("basalt_jobs_waiting", {
		queue: "default",
	});
	await jobs.enqueue({ name: "test.metrics-ok", payload: null });
	await jobs.enqueue({
		name: "test.metrics-ok",
		payload: null,
		options: { priority: 5 },
	});
	// Waiting a second is what the age gauge measures, not a performance bound.
	await new Promise((resolve) => setTimeout(resolve, 1100));
	const queued = await scrapeMetrics(t);
	expect(queued.value("basalt_jobs_waiting", { queue: "default" })).toBe(
		waitingBefore + 2,
	);
	expect(
		queued.value("basalt_jobs_oldest_waiting_age_seconds", {
			queue: "default",
		}),
	).toBeGreaterThanOrEqual(1);
	jobs.register("test.metrics-ok", { handler: async () => "done" });
	jobs.register("test.metrics-flaky", {
		handler: async () => {
			throw new Error("always fails");
		},
	});
	jobs.startWorker();
	const failing = await jobs.enqueue({
		name: "test.metrics-flaky",
		payload: null,
		options: { maxAttempts: 2 },
	});
	const finished = await eventually(
		() => jobs.get(failing.id),
		(job) => job.status === "failed",
	);
	expect(finished.attempts).toBe(2);
	const moved = (s: Scrape, name: string) =>
		s.value(name, { queue: "default" }) -
		before.value(name, { queue: "default" });
	const after = await eventually(
		() => scrapeMetrics(t),
		(s) =>
			moved(s, "basalt_jobs_completed_total") === 2 &&
			moved(s, "basalt_jobs_failed_total") === 1,
	);
	expect(moved(after, "basalt_jobs_enqueued_total")).toBe(3);
	expect(moved(after, "basalt_jobs_completed_total")).toBe(2);
	expect(moved(after, "basalt_jobs_retried_total")).toBe(1);
	expect(moved(after, "basalt_jobs_failed_total")).toBe(1);
	const timed = (name: string) =>
		after.count("basalt_job_duration_seconds", { queue: "default", name });
	expect(timed("test.metrics-flaky")).toBe(2);
	expect(timed("test.metrics-ok")).toBe(2);
	expect(after.value("basalt_jobs_waiting", { queue: "default" })).toBe(0);
	expect(
		after.value("basalt_jobs_oldest_waiting_age_seconds", { queue: "default" }),
	).toBe(0);
}
