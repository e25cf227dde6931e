import { Counter, Gauge, type Registry } from "prom-client";
import type { RequestLogCounters } from "../logs/index.js";

/**
 * The database request log's health, read at scrape time: rows written, rows dropped
 * (the buffer was full, or the database refused a batch: an outage the request log
 * could not ride out) and rows waiting for the next batch.
 */
export function createRequestLogMetrics(
	registry: Registry,
	counters: () => RequestLogCounters,
): void {
	new Counter({
		name: "basalt_request_log_rows_total",
		help: "Rows of the database request log, by result: written, or dropped (buffer full or batch refused).",
		labelNames: ["result"] as const,
		registers: [registry],
		collect() {
			const now = counters();
			this.reset();
			this.labels({ result: "written" }).inc(now.written);
			this.labels({ result: "dropped" }).inc(now.dropped);
		},
	});
	new Gauge({
		name: "basalt_request_log_buffered",
		help: "Request log rows waiting in memory for the next batch.",
		registers: [registry],
		collect() {
			this.set(counters().buffered);
		},
	});
}
