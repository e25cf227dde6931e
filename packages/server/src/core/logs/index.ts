export {
	createSystemLister,
	type SystemColumn,
	type SystemLister,
	type SystemListOptions,
	type SystemPage,
	type SystemTable,
} from "./list-system-rows.js";
export {
	createRequestLogWriter,
	REQUEST_LOG_BATCHING,
	type RequestLogCounters,
	type RequestLogEntry,
	type RequestLogSettings,
	type RequestLogWriter,
} from "./request-log-writer.js";
export {
	type RequestStats,
	requestStats,
	type StatsBucket,
	type StatsRange,
} from "./request-stats.js";
export { AUDIT_TABLE, REQUEST_LOG_TABLE } from "./system-tables.js";
