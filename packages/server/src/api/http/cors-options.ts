import type { FastifyCorsOptions } from "@fastify/cors";

/**
 * CORS from BASALT_CORS_ORIGINS (docs/configuration.md). Decided per request: CORS
 * headers go only to requests that carry an Origin (browsers), with `Vary: Origin`
 * on every answer so caches keep them apart.
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
	const anyOrigin = origins.includes("*");
	return {
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
}
