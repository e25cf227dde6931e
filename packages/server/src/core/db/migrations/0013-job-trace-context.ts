import type { Kysely } from "kysely";
import type { DatabaseSchema } from "../sql-dialect.js";

/**
 * The W3C traceparent of the request that enqueued a job (issue 5), so the job's span
 * can link back to it. A column, not payload metadata: handlers and the jobs API see
 * the payload exactly as it was given.
 */
export function jobTraceContextColumn() {
	return {
		async up(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema
				.alterTable("_jobs")
				.addColumn("trace_parent", "text")
				.execute();
		},
		async down(db: Kysely<DatabaseSchema>): Promise<void> {
			await db.schema.alterTable("_jobs").dropColumn("trace_parent").execute();
		},
	};
}
