/**
 * Maps Basalt's log fields to Elastic Common Schema (ECS) fields; whatever ECS has no
 * field for moves under `basalt.*`, so no Basalt name collides with an ECS one (an
 * Elasticsearch index with ECS mappings takes every line as it is).
 *
 * | Basalt            | ECS                          |
 * | ----------------- | ---------------------------- |
 * | requestId         | http.request.id              |
 * | method            | http.request.method          |
 * | status            | http.response.status_code    |
 * | route             | basalt.route (a template; ECS url.path is the raw path) |
 * | durationMs        | event.duration (nanoseconds) |
 * | ip                | client.ip                    |
 * | userAgent         | user_agent.original          |
 * | caller.id         | user.id                      |
 * | audit action      | event.action                 |
 * | trace_id, span_id | trace.id, span.id (tracing)  |
 */
export function toEcsFields(
	obj: Record<string, unknown>,
): Record<string, unknown> {
	const {
		err,
		requestId,
		method,
		status,
		durationMs,
		ip,
		userAgent,
		caller,
		audit,
		action,
		trace_id: traceId,
		span_id: spanId,
		...rest
	} = obj;
	const out: Record<string, unknown> = {};
	if (err !== undefined) out.err = err;
	if (traceId !== undefined) out.trace = { id: traceId };
	if (spanId !== undefined) out.span = { id: spanId };
	const request: Record<string, unknown> = {};
	if (requestId !== undefined) request.id = requestId;
	if (method !== undefined) request.method = method;
	const http: Record<string, unknown> = {};
	if (Object.keys(request).length > 0) http.request = request;
	if (status !== undefined) http.response = { status_code: status };
	if (Object.keys(http).length > 0) out.http = http;
	const event: Record<string, unknown> = {};
	if (typeof durationMs === "number")
		event.duration = Math.round(durationMs * 1_000_000);
	if (audit === true) {
		event.kind = "event";
		event.action = action;
	}
	if (Object.keys(event).length > 0) out.event = event;
	if (typeof ip === "string") out.client = { ip };
	if (userAgent !== undefined) out.user_agent = { original: userAgent };
	const basalt: Record<string, unknown> = { ...rest };
	if (caller && typeof caller === "object") {
		const { id, ...callerRest } = caller as Record<string, unknown>;
		if (id !== undefined) out.user = { id };
		basalt.caller = callerRest;
	}
	if (audit === true) basalt.audit = true;
	else if (action !== undefined) basalt.action = action;
	if (Object.keys(basalt).length > 0) out.basalt = basalt;
	return out;
}

/** An error's stack followed by its causes' (ECS has one stack_trace field). */
export function stackWithCauses(err: Error): string | undefined {
	const parts: string[] = [];
	let current: unknown = err;
	for (let depth = 0; current instanceof Error && depth < 5; depth++) {
		parts.push(current.stack ?? `${current.name}: ${current.message}`);
		current = current.cause;
	}
	return parts.join("\ncaused by: ");
}
