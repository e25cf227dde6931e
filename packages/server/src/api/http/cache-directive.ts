import type { FastifyRequest } from "fastify";
import type { ClientCacheDirective } from "../../core/records/index.js";

/**
 * What a request's `Cache-Control` (or HTTP/1.0 `Pragma: no-cache`) asks of caches
 * (RFC 9111 section 5.2.1): `no-store` keeps the answer out of the cache both ways,
 * `no-cache` (or `max-age=0`) wants a fresh answer, which then replaces the kept one.
 */
export function clientCacheDirective(
	request: FastifyRequest,
): ClientCacheDirective {
	const control = request.headers["cache-control"];
	const pragma = request.headers.pragma;
	if (control === undefined && pragma === undefined) return "default";
	const directives = `${control ?? ""},${pragma ?? ""}`
		.toLowerCase()
		.split(",")
		.map((d) => d.trim());
	if (directives.includes("no-store")) return "no-store";
	if (
		directives.includes("no-cache") ||
		directives.some((d) => /^max-age\s*=\s*"?0"?$/.test(d))
	)
		return "no-cache";
	return "default";
}
