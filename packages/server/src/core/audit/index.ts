export {
	type AuditAction,
	type AuditEntry,
	type AuditLog,
	type AuditRow,
	createAuditLog,
} from "./audit-log.js";
