// The login baseline: how many argon2 verifications per second this machine does with
// nothing else in the way. A sign-in is one verification plus a little work, so this
// is the most sign-ins per second Basalt could ever reach. Runs as its own process, as
// the server it is compared with does, and calls @node-rs/argon2 directly: its verify
// runs on libuv's thread pool, as in Basalt. Reads a spec file (argv[2]) and prints
// one JSON summary line, shaped like bench/lib/load.mjs's, to stdout.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { verify } from "@node-rs/argon2";
import { createLatencyRecorder } from "../lib/latency-recorder.mjs";

/**
 * Keeps `concurrency` verifications in flight for `seconds`, as autocannon keeps one
 * request in flight per connection. Like autocannon, only the calls that finish
 * within the time count; `record` (if any) gets each one's duration.
 */
async function verifyFor(spec, seconds, record) {
	const end = performance.now() + seconds * 1000;
	const counts = { done: 0, failed: 0 };
	const lane = async (first) => {
		// Lanes start at different accounts, so they verify different hashes at once.
		for (let i = first; performance.now() < end; i++) {
			const hash = spec.hashes[i % spec.hashes.length];
			const started = performance.now();
			const ok = await verify(hash, spec.password);
			const finished = performance.now();
			if (finished > end) break;
			if (!ok) counts.failed++;
			counts.done++;
			record?.(finished - started);
		}
	};
	await Promise.all(
		Array.from({ length: spec.concurrency }, (_, n) => lane(n)),
	);
	return counts;
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const latencies = createLatencyRecorder();
// The warm-up fills the thread pool and lets the allocator settle, as the server's
// warm-up does; its calls are not counted.
await verifyFor(spec, spec.warmup);
const { done, failed } = await verifyFor(spec, spec.duration, latencies.record);
process.stdout.write(
	`${JSON.stringify({
		reqPerSec: done / spec.duration,
		p50: latencies.percentile(50),
		p99: latencies.percentile(99),
		total: done,
		// A verification that says "wrong password" did not do the sign-in's work.
		errors: failed,
		timeouts: 0,
		non2xx: 0,
		statusCodes: {},
	})}\n`,
);
