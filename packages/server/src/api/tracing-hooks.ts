import { AsyncResource } from "node:async_hooks";
import {
	type Context,
	type Span,
	SpanKind,
	SpanStatusCode,
	trace,
} from "@opentelemetry/api";
import type {
	FastifyInstance,
	FastifyReply,
	FastifyRequest,
	HookHandlerDoneFunction,
} from "fastify";
import type { Tracing } from "../core/tracing/index.js";

/** The span of one request and the async scope its hooks and handler run in. */
interface RequestTrace {
	span: Span;
	scope: AsyncResource;
}

/**
 * Adds the hooks that trace each request in a SERVER span named `METHOD /route/template`
 * (HTTP semantic conventions 1.26+), continuing an incoming W3C `traceparent`. Bind it
 * before every other hook, so authentication's statements and the request log line
 * run inside the span. Only called when tracing is on: with it off there is no hook.
 *
 * The span's context is entered in onRequest and re-entered in preValidation and
 * onResponse: Node runs a body's `data`/`end` events and the response's `finish` in
 * other async contexts, so the context would otherwise be lost after body parsing
 * (the approach of @fastify/request-context).
 *
 * `url.path` is the path only: query strings carry filter values, which may be
 * personal data, so they stay out of the trace like SQL parameter values do.
 */
export function bindTracingHooks(
	server: FastifyInstance,
	tracing: Tracing,
): void {
	const traces = new WeakMap<FastifyRequest, RequestTrace>();

	server.addHook(
		"onRequest",
		function startServerSpan(request, _reply, done): void {
			const parent = tracing.extract(request.headers);
			const route = request.routeOptions.url;
			const host = request.hostname;
			const span = tracing.startSpan(
				route ? `${request.method} ${route}` : request.method,
				{
					kind: SpanKind.SERVER,
					attributes: {
						"http.request.method": request.method,
						...(route ? { "http.route": route } : {}),
						"url.path": request.url.split("?", 1)[0],
						"url.scheme": request.protocol,
						...(host ? { "server.address": host } : {}),
						"client.address": request.ip,
						"network.protocol.version": request.raw.httpVersion,
					},
				},
				parent,
			);
			const context: Context = trace.setSpan(parent, span);
			tracing.run(context, () => {
				const scope = new AsyncResource("basalt-request");
				traces.set(request, { span, scope });
				scope.runInAsyncScope(done);
			});
		},
	);

	server.addHook(
		"preValidation",
		function reenterServerSpan(request, _reply, done): void {
			const current = traces.get(request);
			if (current) current.scope.runInAsyncScope(done);
			else done();
		},
	);

	server.addHook(
		"onResponse",
		function endServerSpan(
			request: FastifyRequest,
			reply: FastifyReply,
			done: HookHandlerDoneFunction,
		): void {
			const current = traces.get(request);
			if (!current) {
				done();
				return;
			}
			const { span, scope } = current;
			const status = reply.statusCode;
			span.setAttribute("http.response.status_code", status);
			// Server spans are errors on 5xx only: a 4xx is the client's mistake.
			if (status >= 500) {
				span.setStatus({ code: SpanStatusCode.ERROR });
				span.setAttribute("error.type", String(status));
			}
			span.end();
			// The request log line (a later onResponse hook) still gets the ids.
			scope.runInAsyncScope(done);
		},
	);
}
