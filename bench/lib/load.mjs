// One autocannon run in its own process, so the load generator does not share an
// event loop with the orchestrator. Reads a spec file (argv[2]) and prints one JSON
// summary line to stdout.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { createLatencyRecorder } from "./latency-recorder.mjs";

/**
 * Runs autocannon with the spec. The promise form is used on purpose: with a
 * callback, autocannon 8 silently skips the warm-up. With `urls` (several servers,
 * as behind a load balancer) the connections are split evenly between them, one
 * autocannon instance each in this process, and the results are added up.
 */
async function runAutocannon(spec, latencies) {
	const urls = spec.urls ?? [spec.url];
	const connections = Math.max(1, Math.floor(spec.connections / urls.length));
	const results = await Promise.all(
		urls.map(async (url) => {
			const instance = autocannon({
				url,
				connections,
				duration: spec.duration,
				// Lets V8 optimise the hot path and SQLite fill its page cache; the warm-up's
				// responses go to another tracker, so they are left out of the figures.
				...(spec.warmup > 0
					? { warmup: { connections, duration: spec.warmup } }
					: {}),
				requests: spec.requests,
			});
			instance.on("response", (_client, _status, _bytes, responseTime) =>
				latencies.record(responseTime),
			);
			return await instance;
		}),
	);
	return results.length === 1 ? results[0] : addUp(results);
}

/** One result of several autocannon runs side by side: rates and counts added. */
function addUp(results) {
	const sum = (pick) => results.reduce((total, r) => total + pick(r), 0);
	const statusCodeStats = {};
	for (const r of results)
		for (const [status, { count }] of Object.entries(r.statusCodeStats))
			statusCodeStats[status] = {
				count: (statusCodeStats[status]?.count ?? 0) + count,
			};
	return {
		requests: {
			average: sum((r) => r.requests.average),
			total: sum((r) => r.requests.total),
		},
		errors: sum((r) => r.errors),
		timeouts: sum((r) => r.timeouts),
		non2xx: sum((r) => r.non2xx),
		statusCodeStats,
	};
}

/** Keeps the figures the report needs. */
function summarize(result, latencies) {
	return {
		reqPerSec: result.requests.average,
		p50: latencies.percentile(50),
		p99: latencies.percentile(99),
		total: result.requests.total,
		errors: result.errors,
		timeouts: result.timeouts,
		non2xx: result.non2xx,
		statusCodes: result.statusCodeStats,
	};
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const latencies = createLatencyRecorder();
const result = await runAutocannon(spec, latencies);
process.stdout.write(`${JSON.stringify(summarize(result, latencies))}\n`);
