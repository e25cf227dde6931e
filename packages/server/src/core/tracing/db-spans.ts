import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type QueryListener, sqlOperation, sqlTarget } from "../db/index.js";
import type { Tracing } from "./tracing.js";

/**
 * Creates the query listener that turns each statement of a traced request or job
 * into a CLIENT span, with the times the statement really took (the listener hears
 * it afterwards). Kysely calls its log hook after awaiting the driver, and direct
 * reads are wrapped by `timed`, so the listener runs in the caller's async context
 * and the active span is the right parent. Statements outside traced work (the job
 * poller, cron) make no span: a root span per poll would drown real traces.
 *
 * `db.query.text` is the SQL with placeholders (`?`, `$1`): values never leave the
 * process.
 */
export function createDbSpanListener(
	tracing: Tracing,
	system: "sqlite" | "postgresql",
): QueryListener {
	return function traceStatement(event) {
		if (!tracing.activeSpan()) return;
		const operation = sqlOperation(event.sql);
		const table = sqlTarget(event.sql);
		// `{operation} {table}` (semantic conventions): low cardinality, no values.
		const span = tracing.startSpan(
			table ? `${operation} ${table}` : operation,
			{
				kind: SpanKind.CLIENT,
				startTime: event.startedAt,
				attributes: {
					"db.system.name": system,
					// The pre-1.26 name, still what many backends group by.
					"db.system": system,
					"db.query.text": event.sql,
					"db.operation.name": operation,
					...(table ? { "db.collection.name": table } : {}),
				},
			},
		);
		if (event.failed) span.setStatus({ code: SpanStatusCode.ERROR });
		span.end(event.startedAt + event.durationMs);
	};
}
