import type { FastifyInstance } from "fastify";

/**
 * Binds the `application/json` body parser: Fastify's own (secure-json-parse, so
 * `__proto__` and `constructor.prototype` keys are still refused), except that an empty
 * body is no body. Many clients send `Content-Type: application/json` on every request,
 * a body-less DELETE or POST included; such a request is served as if the header were
 * absent, and an endpoint that needs a body answers as it does for a missing one.
 */
export function bindJsonBodyParser(server: FastifyInstance): void {
	const { onProtoPoisoning, onConstructorPoisoning } = server.initialConfig;
	const parseJson = server.getDefaultJsonParser(
		onProtoPoisoning ?? "error",
		onConstructorPoisoning ?? "error",
	);
	server.addContentTypeParser(
		"application/json",
		{ parseAs: "string" },
		function parseJsonBody(request, body: string, done) {
			// Returned, so Fastify treats the default parser's result as this one's.
			if (body.length > 0) return parseJson(request, body, done);
			done(null, undefined);
		},
	);
}
