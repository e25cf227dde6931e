export {
	type AuditAction,
	type AuditEntry,
	type AuditLog,
	type AuditRow,
	createAuditLog,
} from "./audit-log.js";
export { createPasswordChangeSink } from "./password-change-sink.js";
