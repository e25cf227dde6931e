// One autocannon run of refresh-token chains, in its own process like bench/lib/load.mjs. Each
// connection trades its own refresh token and sends the one it got back next time:
// a refresh token is single use, and a reused one revokes its family and answers 401.
// The requests need functions, which a JSON spec cannot carry, hence this variant of
// bench/lib/load.mjs. Reads a spec file (argv[2]) and prints one JSON summary line to stdout.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { createLatencyRecorder } from "../lib/latency-recorder.mjs";

/**
 * Builds the one request every connection repeats, with a chain per connection.
 *
 * autocannon gives `setupRequest` and `onResponse` a `context`, but resets it each
 * time a connection has gone through its request list, so with a one-request list it
 * cannot carry anything to the next request. What does last is the request object:
 * every connection deep-clones the options, so `chain` below becomes one object per
 * connection, and the shallow copy `setupRequest` receives still points at it. The
 * chain is handed to `onResponse` through the context, which is the same object from
 * the request's setup to its response (one request in flight per connection).
 * Were the chains ever shared, the reuse detection would answer 401s and the run fail.
 */
function createChainedRequest(spec, stats) {
	let nextToken = 0;
	return {
		method: "POST",
		path: spec.path,
		headers: { "content-type": "application/json" },
		chain: { refreshToken: undefined },
		setupRequest(req, context) {
			const { chain } = req;
			if (chain.refreshToken === undefined) {
				// A new connection (the warm-up's and the measured run's are different
				// connections) starts a chain from its own sign-in.
				if (nextToken === spec.refreshTokens.length)
					throw new Error(
						`more connections than refresh tokens (${spec.refreshTokens.length})`,
					);
				chain.refreshToken = spec.refreshTokens[nextToken++];
				stats.chains++;
			}
			context.chain = chain;
			req.body = JSON.stringify({ refreshToken: chain.refreshToken });
			return req;
		},
		onResponse(status, body, context) {
			if (status !== 200) return;
			let refreshToken;
			try {
				refreshToken = JSON.parse(body).refreshToken;
			} catch {
				// Counted below.
			}
			if (typeof refreshToken === "string")
				context.chain.refreshToken = refreshToken;
			else stats.brokenAnswers++;
		},
	};
}

/** Runs autocannon with the spec; the promise form, as bench/lib/load.mjs explains, keeps the warm-up. */
async function runAutocannon(spec, latencies, stats) {
	const instance = autocannon({
		url: spec.url,
		connections: spec.connections,
		duration: spec.duration,
		warmup: { connections: spec.connections, duration: spec.warmup },
		requests: [createChainedRequest(spec, stats)],
	});
	instance.on("response", (_client, _status, _bytes, responseTime) =>
		latencies.record(responseTime),
	);
	return await instance;
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const latencies = createLatencyRecorder();
const stats = { chains: 0, brokenAnswers: 0 };
const result = await runAutocannon(spec, latencies, stats);
// One chain per connection of the warm-up and of the run; more would mean a
// connection lost its chain (it reconnected and was rebuilt), fewer that chains were shared.
const expectedChains =
	spec.warmup > 0 ? 2 * spec.connections : spec.connections;
const chainErrors =
	stats.brokenAnswers + (stats.chains === expectedChains ? 0 : 1);
if (stats.chains !== expectedChains)
	process.stderr.write(
		`expected ${expectedChains} refresh-token chains, saw ${stats.chains}\n`,
	);
if (stats.brokenAnswers > 0)
	process.stderr.write(
		`${stats.brokenAnswers} answers of 200 had no refreshToken\n`,
	);
process.stdout.write(
	`${JSON.stringify({
		reqPerSec: result.requests.average,
		p50: latencies.percentile(50),
		p99: latencies.percentile(99),
		total: result.requests.total,
		// A broken chain is an error of the run, as a refused request is.
		errors: result.errors + chainErrors,
		timeouts: result.timeouts,
		non2xx: result.non2xx,
		statusCodes: result.statusCodeStats,
		chains: stats.chains,
	})}\n`,
);
