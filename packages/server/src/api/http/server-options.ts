import { type FastifyServerOptions, LogController } from "fastify";
import type { App } from "../../core/app/index.js";
import { AppError } from "../../core/errors/index.js";
import { createClientErrorHandler } from "./client-error.js";
import { sendProblem } from "./problem.js";
import { requestIdOf } from "./request-id.js";
import type { SecurityHeaders } from "./security-headers.js";
import { tlsOptions } from "./tls-options.js";

/** The longest path parameter (a collection name, a record id) the router accepts. */
export const MAX_PARAM_LENGTH = 256;

/** Fastify's options for an App's server: logging, limits, proxies, TLS. */
export function serverOptions(
	app: App,
	headers: SecurityHeaders,
): FastifyServerOptions & { https?: ReturnType<typeof tlsOptions> } {
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
		routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
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
		// What the HTTP parser refuses (an unknown method, headers too large) gets
		// problem+json too.
		clientErrorHandler: createClientErrorHandler(headers.api),
		bodyLimit: http.bodyLimitBytes,
		trustProxy: http.trustedProxies.length > 0 ? http.trustedProxies : false,
		return503OnClosing: true,
		forceCloseConnections: "idle",
		...(http.tls
			? {
					https: tlsOptions(http.tls),
				}
			: {}),
	};
}
