import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HttpMetrics } from "../../core/metrics/index.js";

/**
 * Counts every request in the App's HTTP metrics: in flight from `onRequest`, then
 * counted and timed by method, route template and status class in `onResponse`.
 * Callback hooks, no promise: a request pays two map lookups and a few additions.
 */
export function bindHttpMetrics(
	server: FastifyInstance,
	metrics: HttpMetrics,
): void {
	server.addHook(
		"onRequest",
		function countRequestStart(_request, _reply, done: () => void): void {
			metrics.started();
			done();
		},
	);
	server.addHook(
		"onResponse",
		function countRequestEnd(
			request: FastifyRequest,
			reply: FastifyReply,
			done: () => void,
		): void {
			metrics.finished(
				request.method,
				request.routeOptions.url,
				reply.statusCode,
				reply.elapsedTime / 1000,
			);
			done();
		},
	);
}
