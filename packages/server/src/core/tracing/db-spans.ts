import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { memoByText } from "../../tools/memo/index.js";
import {
	type QueryListener,
	type SqlDialect,
	sqlOperation,
	sqlTarget,
} from "../db/index.js";
import type { Tracing } from "./tracing.js";

/** A statement's span name and attributes, the same for every run of its text. */
interface StatementSpan {
	name: string;
	attributes: Attributes;
}

/**
 * Creates the query listener that turns each statement of a traced request or job
 * into a CLIENT span, with the times the statement really took (the listener hears
 * it afterwards). Kysely calls its log hook after awaiting the driver, and direct
 * reads are wrapped by `timed`, so the listener runs in the caller's async context
 * and the active span is the right parent. Statements outside traced work (the job
 * poller, cron) make no span: a root span per poll would drown real traces. Neither
 * do the statements of a request the sampler left out.
 *
 * `db.query.text` is the SQL with placeholders (`?`, `$1`): values never leave the
 * process.
 */
export function createDbSpanListener(
	tracing: Tracing,
	dialect: Pick<SqlDialect, "systemName">,
): QueryListener {
	const system = dialect.systemName;
	// Read off the text once per text, not once per statement run.
	const spanOf = memoByText((sql): StatementSpan => {
		const operation = sqlOperation(sql);
		const table = sqlTarget(sql);
		return {
			// `{operation} {table}` (semantic conventions): low cardinality, no values.
			name: table ? `${operation} ${table}` : operation,
			attributes: Object.freeze({
				"db.system.name": system,
				// The pre-1.26 name, still what many backends group by.
				"db.system": system,
				"db.query.text": sql,
				"db.operation.name": operation,
				...(table ? { "db.collection.name": table } : {}),
			}),
		};
	});
	return function traceStatement(event) {
		if (!tracing.activeSpan()?.isRecording()) return;
		const { name, attributes } = spanOf(event.sql);
		const span = tracing.startSpan(name, {
			kind: SpanKind.CLIENT,
			startTime: event.startedAt,
			attributes,
		});
		if (event.failed) span.setStatus({ code: SpanStatusCode.ERROR });
		span.end(event.startedAt + event.durationMs);
	};
}
