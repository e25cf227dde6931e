import { readFileSync } from "node:fs";
import cors from "@fastify/cors";
import Fastify, {
	type FastifyInstance,
	type FastifyServerOptions,
	LogController,
} from "fastify";
import type { App } from "../core/app.js";
import { AppError } from "../tools/errors/index.js";
import "./fastify-types.js";
import { bindAccountAuthRoutes } from "./account-auth.js";
import { bindAccountEmailRoutes } from "./account-emails.js";
import { bindAccountLinkRoutes } from "./account-links.js";
import { ApiDocs } from "./api-docs.js";
import { bindApiKeyRoutes } from "./api-keys.js";
import { createAuthenticateHook } from "./authenticate.js";
import { bindBatchRoute } from "./batch.js";
import { bindCollectionRoutes } from "./collections.js";
import { bindDocsPage } from "./docs-page.js";
import { createErrorHandler } from "./error-handler.js";
import { bindExportRoutes } from "./exports.js";
import { bindHealthRoutes } from "./health.js";
import { bindHttpMetrics } from "./http-metrics.js";
import { bindImportRoute } from "./imports.js";
import { bindJobRoutes } from "./jobs.js";
import { bindJsonBodyParser } from "./json-body-parser.js";
import { bindLogRoutes } from "./logs.js";
import { bindMetricsRoute } from "./metrics-route.js";
import { bindOAuthClientRoutes } from "./oauth-clients.js";
import { bindOAuthTokenRoute } from "./oauth-token.js";
import { bindOAuth2Routes } from "./oauth2.js";
import { bindOpenApiRoute } from "./openapi.js";
import { sendProblem } from "./problem.js";
import { bindRecordRoutes } from "./records.js";
import { bindRecordsExplainRoute } from "./records-explain.js";
import { requestIdOf } from "./request-id.js";
import { createRequestLogHook } from "./request-log.js";
import { bindSuperuserAuthRoutes } from "./superusers-auth.js";
import { bindTracingHooks } from "./tracing-hooks.js";
import { bindUnreadBodyDrain } from "./unread-body-drain.js";
import { bindWebhookRoutes } from "./webhooks.js";

/**
 * Builds the HTTP server for an App: hooks (request id, authentication, one log line
 * per request), every route of API v1, OpenAPI and the error handler. Listening is up
 * to the caller, so tests can use `inject` or a port of their choosing.
 */
export async function createServer(app: App): Promise<FastifyInstance> {
	const server = Fastify(serverOptions(app));
	// JSON only (SPEC section 2): without this, Fastify's built-in text/plain parser
	// turns a text body into a string and the client gets 400 instead of 415.
	server.removeContentTypeParser("text/plain");
	bindJsonBodyParser(server);
	server.setErrorHandler(createErrorHandler());
	server.setNotFoundHandler((request, reply) =>
		sendProblem(
			reply,
			request,
			new AppError("ROUTE_NOT_FOUND", {
				detail: `No endpoint ${request.method} ${request.url.split("?")[0]}.`,
			}),
		),
	);
	server.decorateRequest("caller", null as never);
	// First, so authentication and the request log line run inside the request's span.
	if (app.tracing) bindTracingHooks(server, app.tracing);
	if (app.config.metrics) bindHttpMetrics(server, app.metrics.http);
	server.addHook("onRequest", createAuthenticateHook(app));
	server.addHook(
		"onResponse",
		createRequestLogHook(app.logger, app.requestLogs),
	);
	// A few bodies' worth: enough for any body near the limit to be read to its end, so
	// the connection stays usable (docs/api.md, "Conventions").
	bindUnreadBodyDrain(server, 4 * app.config.bodyLimit);
	const origins = app.config.corsOrigins;
	const anyOrigin = origins.includes("*");
	await server.register(cors, {
		// Decided per request: CORS headers go only to requests that carry an Origin
		// (browsers), with `Vary: Origin` on every answer so caches keep them apart.
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
	});
	const docs = new ApiDocs();
	bindHealthRoutes(server, app, docs);
	if (app.config.metrics) bindMetricsRoute(server, app);
	bindSuperuserAuthRoutes(server, app, docs);
	bindAccountAuthRoutes(server, app, docs);
	bindAccountEmailRoutes(server, app, docs);
	await bindOAuth2Routes(server, app, docs);
	bindAccountLinkRoutes(server, app, docs);
	bindApiKeyRoutes(server, app, docs);
	bindOAuthClientRoutes(server, app, docs);
	await bindOAuthTokenRoute(server, app, docs);
	bindCollectionRoutes(server, app, docs);
	bindRecordRoutes(server, app, docs);
	bindRecordsExplainRoute(server, app, docs);
	bindBatchRoute(server, app, docs);
	bindJobRoutes(server, app, docs);
	bindLogRoutes(server, app, docs);
	bindWebhookRoutes(server, app, docs);
	await bindImportRoute(server, app, docs);
	bindExportRoutes(server, app, docs);
	bindOpenApiRoute(server, app, docs);
	await bindDocsPage(server);
	return server;
}

function serverOptions(
	app: App,
): FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } {
	const tls = app.config.tls;
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
		bodyLimit: app.config.bodyLimit,
		trustProxy:
			app.config.trustedProxies.length > 0 ? app.config.trustedProxies : false,
		return503OnClosing: true,
		forceCloseConnections: "idle",
		ajv: {
			customOptions: {
				removeAdditional: false,
				coerceTypes: false,
				allErrors: true,
				useDefaults: false,
				allowUnionTypes: true,
			},
		},
		...(tls
			? {
					https: {
						cert: readFileSync(tls.certFile),
						key: readFileSync(tls.keyFile),
					},
				}
			: {}),
	};
}
