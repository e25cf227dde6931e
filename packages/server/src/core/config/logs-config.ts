import {
	type LogFormat,
	type LogLevel,
	logLevels,
} from "../../tools/logger/index.js";
import { daysAsMs, flag, fraction, oneOf, type Reader } from "./read-values.js";

/** The log lines, the request log table and the audit trail (docs/operations.md). */
export interface LogsConfig {
	level: LogLevel;
	format: LogFormat;
	/** Share (0..1) of requests below 500 kept in the request log table; 5xx are all kept. */
	requestSample: number;
	/** How long request log rows are kept. */
	requestRetentionMs: number;
	/** How long audit entries are kept. */
	auditRetentionMs: number;
}

/** Prometheus metrics (docs/operations.md#metrics). */
export interface MetricsConfig {
	/** Whether GET /metrics and the per-request and per-statement metrics are on. */
	enabled: boolean;
	/** A bearer token that lets clients on other hosts scrape. */
	token: string | undefined;
}

/** Reads the log settings; the format defaults to `pretty` on a terminal. */
export function readLogsConfig(read: Reader, stdoutIsTty: boolean): LogsConfig {
	return {
		level: oneOf(read, "BASALT_LOG_LEVEL", logLevels, "info"),
		format: oneOf(
			read,
			"BASALT_LOG_FORMAT",
			["json", "pretty", "ecs"] as const,
			stdoutIsTty ? "pretty" : "json",
		),
		requestSample: fraction(read, "BASALT_REQUEST_LOG_SAMPLE", 0.1),
		requestRetentionMs: daysAsMs(read, "BASALT_LOG_RETENTION_DAYS", 7, 3650),
		auditRetentionMs: daysAsMs(read, "BASALT_AUDIT_RETENTION_DAYS", 90, 36500),
	};
}

/** Reads BASALT_METRICS and BASALT_METRICS_TOKEN. */
export function readMetricsConfig(read: Reader): MetricsConfig {
	return {
		enabled: flag(read, "BASALT_METRICS", true),
		token: read("BASALT_METRICS_TOKEN"),
	};
}
