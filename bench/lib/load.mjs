// One autocannon run in its own process, so the load generator does not share an
// event loop with the orchestrator. Reads a spec file (argv[2]) and prints one JSON
// summary line to stdout.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { createLatencyRecorder } from "./latency-recorder.mjs";

/**
 * Runs autocannon with the spec. The promise form is used on purpose: with a
 * callback, autocannon 8 silently skips the warm-up.
 */
async function runAutocannon(spec, latencies) {
	const instance = autocannon({
		url: spec.url,
		connections: spec.connections,
		duration: spec.duration,
		// Lets V8 optimise the hot path and SQLite fill its page cache; the warm-up's
		// responses go to another tracker, so they are left out of the figures.
		...(spec.warmup > 0
			? { warmup: { connections: spec.connections, duration: spec.warmup } }
			: {}),
		requests: spec.requests,
	});
	instance.on("response", (_client, _status, _bytes, responseTime) =>
		latencies.record(responseTime),
	);
	return await instance;
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
