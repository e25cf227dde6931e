import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import { AppError } from "../../core/errors/index.js";
import { matchesSecretDigest, sha256Hex } from "../../tools/crypto/index.js";
import { isLoopbackHost } from "../../tools/ip/index.js";

/**
 * Binds GET /metrics, the Prometheus scrape endpoint (docs/operations.md#metrics). It is an
 * operations endpoint, not part of API v1, so it is not in the OpenAPI document. It
 * answers clients on this host, and anyone presenting `Authorization: Bearer
 * <BASALT_METRICS_TOKEN>` (compared in constant time); others get 401. The client
 * is `request.ip`, which honours BASALT_TRUSTED_PROXIES: behind a reverse proxy on
 * this host every client looks local unless the proxy is trusted (or a token is
 * required by not exposing the port).
 */
export function bindMetricsRoute(server: FastifyInstance, app: App): void {
	const tokenDigest =
		app.config.metrics.token === undefined
			? undefined
			: sha256Hex(app.config.metrics.token);
	server.get(
		"/metrics",
		// The bearer token is the metrics token, not an access token: the
		// authentication hook must not try to verify it.
		{ config: { ownAuthentication: true } },
		async (request, reply) => {
			checkScraper(request, tokenDigest);
			const { contentType, text } = await app.metrics.scrape();
			return reply.header("content-type", contentType).send(text);
		},
	);
}

/** Lets loopback clients and holders of the metrics token through; 401 for others. */
function checkScraper(
	request: FastifyRequest,
	tokenDigest: string | undefined,
): void {
	const header = request.headers.authorization;
	if (header === undefined || header === "") {
		if (isLoopbackHost(request.ip)) return;
		throw new AppError("AUTH_REQUIRED", {
			detail:
				"GET /metrics answers clients on this host, or Authorization: Bearer <BASALT_METRICS_TOKEN>.",
		});
	}
	const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
	if (
		token === undefined ||
		tokenDigest === undefined ||
		!matchesSecretDigest(token, tokenDigest)
	)
		throw new AppError("INVALID_TOKEN", {
			detail: "The metrics token is wrong, or BASALT_METRICS_TOKEN is not set.",
		});
}
