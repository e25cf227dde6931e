import type { SystemTable } from "./list-system-rows.js";

/** `_request_logs` as GET /api/v1/logs lists and filters it. */
export const REQUEST_LOG_TABLE: SystemTable = {
	table: "_request_logs",
	columns: [
		{ name: "method", column: "method", type: "text" },
		{ name: "route", column: "route", type: "text" },
		{ name: "status", column: "status", type: "number" },
		{ name: "durationMs", column: "duration_ms", type: "number" },
		{ name: "callerKind", column: "caller_kind", type: "text" },
		{ name: "callerId", column: "caller_id", type: "text" },
		{ name: "ip", column: "ip", type: "text" },
		{ name: "userAgent", column: "user_agent", type: "text" },
		{ name: "requestId", column: "request_id", type: "text" },
	],
};

/** `_audit_log` as GET /api/v1/audit lists and filters it. */
export const AUDIT_TABLE: SystemTable = {
	table: "_audit_log",
	columns: [
		{ name: "action", column: "action", type: "text" },
		{ name: "actorKind", column: "actor_kind", type: "text" },
		{ name: "actorId", column: "actor_id", type: "text" },
		{ name: "collection", column: "collection", type: "text" },
		{ name: "recordId", column: "record_id", type: "text" },
		{ name: "ip", column: "ip", type: "text" },
		// Filterable as text (`details ~ "github"`); answered as the stored JSON text.
		{ name: "details", column: "details", type: "text" },
	],
};
