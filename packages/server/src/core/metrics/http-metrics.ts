import { Gauge, type Registry } from "prom-client";
import { LocalCounter, LocalHistogram } from "./local-series.js";

/** The route label of a request no route matched: one value, whatever the URL. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * Request latency buckets in seconds: a record view takes ~80 µs (npm run bench), an
 * export or import start can take seconds; 14 buckets cover both ends.
 */
const BUCKETS = [
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10,
];

const METHODS = new Set([
	"GET",
	"HEAD",
	"POST",
	"PUT",
	"PATCH",
	"DELETE",
	"OPTIONS",
]);

/** The HTTP metrics of one App. */
export interface HttpMetrics {
	/** Counts a request that arrived. */
	started(): void;
	/** Counts an answered request; `route` is undefined when no route matched. */
	finished(
		method: string,
		route: string | undefined,
		statusCode: number,
		seconds: number,
	): void;
}

/** One request's counters, bound to its label values once. */
interface BoundRequest {
	count(): void;
	observe(seconds: number): void;
}

/**
 * The HTTP metrics: requests and their latency by method, route template and status
 * class, and the requests in flight. Label values are bounded: the route is the
 * template (`/api/v1/collections/:collection/records/:id`) or `(unmatched)`, the
 * method one of seven (or `OTHER`), the status a class (`2xx`).
 */
export function createHttpMetrics(register: Registry): HttpMetrics {
	const requests = new LocalCounter({
		name: "basalt_http_requests_total",
		help: "HTTP requests answered, by method, route template and status class.",
		registers: [register],
	});
	const duration = new LocalHistogram({
		name: "basalt_http_request_duration_seconds",
		help: "Time from receiving a request to sending its response, in seconds.",
		buckets: BUCKETS,
		registers: [register],
	});
	// A plain count, read at scrape time: prom-client's inc() and dec() hash labels
	// on every call, twice a request.
	let inFlight = 0;
	new Gauge({
		name: "basalt_http_requests_in_flight",
		help: "HTTP requests received and not yet answered.",
		registers: [register],
		collect() {
			this.set(inFlight);
		},
	});
	// Each label combination is bound once: a request then costs one map lookup,
	// a bucket search and a few additions (LocalCounter, LocalHistogram).
	const bound = new Map<string, BoundRequest>();
	function boundFor(method: string, route: string, status: string) {
		const key = `${method} ${status} ${route}`;
		let entry = bound.get(key);
		if (!entry) {
			const labels = { method, route, status };
			entry = {
				count: requests.child(labels),
				observe: duration.child(labels),
			};
			bound.set(key, entry);
		}
		return entry;
	}

	return {
		started(): void {
			inFlight += 1;
		},
		finished(
			method: string,
			route: string | undefined,
			statusCode: number,
			seconds: number,
		): void {
			inFlight -= 1;
			const entry = boundFor(
				METHODS.has(method) ? method : "OTHER",
				route ?? UNMATCHED_ROUTE,
				statusClassOf(statusCode),
			);
			entry.count();
			entry.observe(seconds);
		},
	};
}

/** Tells the status class of a status code: `2xx` … `5xx`. */
function statusClassOf(statusCode: number): string {
	const hundreds = Math.floor(statusCode / 100);
	return hundreds >= 1 && hundreds <= 5 ? `${hundreds}xx` : "other";
}
