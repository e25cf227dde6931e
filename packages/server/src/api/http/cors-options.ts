import type { FastifyCorsOptions } from "@fastify/cors";

/**
 * CORS from BASALT_CORS_ORIGINS (docs/configuration.md). Decided per request: CORS
 * headers go only to requests that carry an Origin (browsers), with `Vary: Origin`
 * on every answer so caches keep them apart.
 *
 * A preflight is an OPTIONS request with `Access-Control-Request-Method` (Fetch
 * Standard, "CORS-preflight request"). Any other OPTIONS is an ordinary request that
 * no route takes, so it gets the 405 problem+json of every method a path does not
 * take (404 where no path matches), never @fastify/cors's plain-text 400 "Invalid
 * Preflight Request".
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
	const anyOrigin = origins.includes("*");
	const options: FastifyCorsOptions = {
		origin: (origin, callback) => {
			if (origin === undefined) callback(null, false);
			else
				callback(
					null,
					anyOrigin ? "*" : origins.includes(origin) ? origin : false,
				);
		},
		methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
		// Browsers may reuse a preflight answer for ten minutes.
		maxAge: 600,
		exposedHeaders: [
			"ETag",
			"Location",
			"X-Request-Id",
			"Idempotency-Replayed",
			"Retry-After",
		],
	};
	const notPreflight: FastifyCorsOptions = { ...options, preflight: false };
	return {
		delegator: function corsOptionsOf(request, callback) {
			const preflight =
				request.method !== "OPTIONS" ||
				request.headers["access-control-request-method"] !== undefined;
			callback(null, preflight ? options : notPreflight);
		},
	};
}
