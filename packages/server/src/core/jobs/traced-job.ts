import {
	ROOT_CONTEXT,
	SpanKind,
	SpanStatusCode,
	trace,
} from "@opentelemetry/api";
import type { Tracing } from "../tracing/index.js";
import type { JobDefinition } from "./job-types.js";

/**
 * Wraps a job handler so each attempt runs in a CONSUMER span of its own trace,
 * linked (a span link, not a parent) to the span that enqueued the job: a retry an
 * hour later is not part of the request's trace, but a trace viewer can follow the
 * link from the job back to the request (OTel messaging conventions).
 */
export function traceJobDefinition(
	tracing: Tracing,
	definition: JobDefinition,
): JobDefinition {
	return {
		...definition,
		handler(context) {
			const { job } = context;
			const span = tracing.startSpan(
				`process ${job.name}`,
				{
					kind: SpanKind.CONSUMER,
					links: job.traceParent ? tracing.linkTo(job.traceParent) : [],
					attributes: {
						"messaging.system": "basalt",
						"messaging.operation.type": "process",
						"messaging.destination.name": job.queue,
						"messaging.message.id": job.id,
						"basalt.job.name": job.name,
						"basalt.job.attempt": context.attempt,
					},
				},
				ROOT_CONTEXT,
			);
			return tracing.run(trace.setSpan(ROOT_CONTEXT, span), async () => {
				try {
					return await definition.handler(context);
				} catch (err: unknown) {
					span.setStatus({
						code: SpanStatusCode.ERROR,
						message: err instanceof Error ? err.message : String(err),
					});
					throw err;
				} finally {
					span.end();
				}
			});
		},
	};
}
