import type { Kysely } from "kysely";
import type { DatabaseSchema } from "../sql-dialect.js";

/**
 * The W3C traceparent of the request that enqueued a job
 * (docs/operations.md#job-links), so the job's span can link back to it: on db-queue
 * jobs, and on BullMQ jobs waiting in the outbox (BullMQ itself keeps it in the job's
 * `telemetry.metadata` option). A column, not payload metadata: handlers and the jobs
 * API see the payload exactly as it was given.
 */
export function jobTraceContextColumn() {
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			for (const table of ["_jobs", "_job_outbox"])
				await db.schema
					.alterTable(table)
					.addColumn("trace_parent", "text")
					.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			for (const table of ["_jobs", "_job_outbox"])
				await db.schema.alterTable(table).dropColumn("trace_parent").execute();
		},
	};
}
