import { readFileSync } from "node:fs";
import { type FastifyServerOptions, LogController } from "fastify";
import type { App } from "../../core/app/index.js";
import { AppError } from "../../core/errors/index.js";
import { sendProblem } from "./problem.js";
import { requestIdOf } from "./request-id.js";

/** Fastify's options for an App's server: logging, limits, proxies, TLS. */
export function serverOptions(
	app: App,
): FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } {
	const { http } = app.config;
	return {
		// Basalt logs one line per request itself (request-log.ts); Fastify's own two
		// lines per request would double the volume.
		loggerInstance: app.logger,
		logController: new LogController({
			disableRequestLogging: true,
			requestIdLogLabel: "requestId",
		}),
		genReqId: requestIdOf,
		// Fastify makes a child logger per request by default; the request log line and
		// the error handler name the request id themselves, so the parent will do.
		childLoggerFactory: (logger) => logger,
		routerOptions: { maxParamLength: 256 },
		// Errors Fastify raises before routing (a bad percent-encoding, an overlong path
		// segment) skip the error handler; they get problem+json here all the same.
		frameworkErrors(error, request, reply) {
			reply.header("x-request-id", request.id);
			const code =
				error.code === "FST_ERR_MAX_PARAM_LENGTH"
					? "URL_TOO_LONG"
					: "INVALID_URL";
			return sendProblem(reply, request, new AppError(code, { cause: error }));
		},
		bodyLimit: http.bodyLimitBytes,
		trustProxy: http.trustedProxies.length > 0 ? http.trustedProxies : false,
		return503OnClosing: true,
		forceCloseConnections: "idle",
		...(http.tls
			? {
					https: {
						cert: readFileSync(http.tls.certFile),
						key: readFileSync(http.tls.keyFile),
					},
				}
			: {}),
	};
}
