import {
	type AuditLog,
	createAuditLog,
	createPasswordChangeSink,
} from "../audit/index.js";
import {
	createRequestLogWriter,
	createSystemLister,
	REQUEST_LOG_BATCHING,
	type RequestLogWriter,
	type SystemLister,
} from "../logs/index.js";
import { type AreaContribution, before } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** The audit trail and the request log table, and the lister both are read with. */
export interface LogsArea {
	audit: AuditLog;
	requestLogs: RequestLogWriter;
	listSystemRows: SystemLister;
	contribution: AreaContribution;
}

/**
 * Wires the logs kept in the database: the audit trail (with the sink that records
 * password changes), the request log writer, and their retention purges.
 */
export function wireLogs(shared: SharedParts): LogsArea {
	const { db, newId, clock, logger, config } = shared;
	const audit = createAuditLog({ db, newId, clock, logger });
	const requestLogs = createRequestLogWriter({
		db,
		newId,
		clock,
		logger,
		settings: { sample: config.logs.requestSample, ...REQUEST_LOG_BATCHING },
	});
	shared.metrics.observeRequestLog(() => requestLogs.counters());
	return {
		audit,
		requestLogs,
		listSystemRows: createSystemLister({
			db,
			parseFilter: shared.parseFilter,
			clock,
		}),
		contribution: {
			changeSinks: [
				createPasswordChangeSink({ audit, registry: shared.registry }),
			],
			// Their own retention periods (BASALT_LOG_/AUDIT_RETENTION_DAYS).
			purgeSteps: [
				{
					name: "requestLogs",
					run: () =>
						requestLogs.purgeBefore(
							before(clock(), config.logs.requestRetentionMs),
						),
				},
				{
					name: "auditLog",
					run: () =>
						audit.purgeBefore(before(clock(), config.logs.auditRetentionMs)),
				},
			],
			// Last but one: the rows of the last requests and jobs are written.
			close: () => requestLogs.close(),
		},
	};
}
