import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type {
	FastifyInstance,
	FastifyReply,
	FastifyRequest,
	HookHandlerDoneFunction,
} from "fastify";
import type { Tracing } from "../../core/tracing/index.js";

/**
 * Adds the hooks that trace each request in a SERVER span named `METHOD /route/template`
 * (HTTP semantic conventions 1.26+), continuing an incoming W3C `traceparent`. Bind it
 * before every other hook, so authentication's statements and the request log line
 * run inside the span. Only called when tracing is on: with it off there is no hook.
 *
 * The span's context is entered in onRequest; Fastify 5 carries it across body parsing
 * (its content-type parser binds an AsyncResource) and into the onResponse hooks, so
 * the request log line gets the ids too (tested on a real socket with a body sent
 * in two packets).
 *
 * `url.path` is the path only: query strings carry filter values, which may be
 * personal data, so they stay out of the trace like SQL parameter values do.
 */
export function bindTracingHooks(
	server: FastifyInstance,
	tracing: Tracing,
): void {
	server.decorateRequest("traceSpan", undefined);

	server.addHook(
		"onRequest",
		function startServerSpan(request, _reply, done): void {
			const parent = tracing.extract(request.headers);
			const route = request.routeOptions.url;
			const span = tracing.startSpan(
				route ? `${request.method} ${route}` : request.method,
				{
					kind: SpanKind.SERVER,
					attributes: {
						"http.request.method": request.method,
						...(route ? { "http.route": route } : {}),
					},
				},
				parent,
			);
			// The rest only for a span the sampler kept: Fastify's getters behind them
			// (host, protocol, client address) cost more than the unsampled span itself.
			if (span.isRecording()) {
				const host = request.hostname;
				span.setAttributes({
					"url.path": request.url.split("?", 1)[0],
					"url.scheme": request.protocol,
					...(host ? { "server.address": host } : {}),
					"client.address": request.ip,
					"network.protocol.version": request.raw.httpVersion,
				});
			}
			request.traceSpan = span;
			// Everything after this hook (authentication, body parsing, the handler,
			// the onResponse hooks) continues from `done`, so it runs in this context.
			tracing.run(trace.setSpan(parent, span), done);
		},
	);

	server.addHook(
		"onResponse",
		function endServerSpan(
			request: FastifyRequest,
			reply: FastifyReply,
			done: HookHandlerDoneFunction,
		): void {
			const span = request.traceSpan;
			if (!span) {
				done();
				return;
			}
			request.traceSpan = undefined;
			const status = reply.statusCode;
			span.setAttribute("http.response.status_code", status);
			// Server spans are errors on 5xx only: a 4xx is the client's mistake.
			if (status >= 500) {
				span.setStatus({ code: SpanStatusCode.ERROR });
				span.setAttribute("error.type", String(status));
			}
			span.end();
			done();
		},
	);

	// A client that hangs up first gets no onResponse: end its span here.
	server.addHook("onRequestAbort", function endAbortedSpan(request, done) {
		const span = request.traceSpan;
		if (span) {
			request.traceSpan = undefined;
			span.setAttribute("error.type", "aborted");
			span.end();
		}
		done();
	});
}
