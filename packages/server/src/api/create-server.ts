import cors from "@fastify/cors";
import Fastify, { type FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import { AppError } from "../core/errors/index.js";
import { createMethodCheck } from "./http/allowed-methods.js";
import {
	bindSecurityHeaders,
	securityHeaders,
} from "./http/security-headers.js";
import "./http/fastify-types.js";
import { bindAccountLinkRoutes } from "./accounts/account-link-routes.js";
import { bindEmailConfirmRoutes } from "./accounts/email-confirm-routes.js";
import { bindEmailRequestRoutes } from "./accounts/email-request-routes.js";
import { bindImpersonationRoute } from "./accounts/impersonation-route.js";
import { bindSessionRoutes } from "./accounts/session-routes.js";
import { bindApiKeyRoutes } from "./api-keys/api-key-routes.js";
import { bindOAuthClientRoutes } from "./client-credentials/client-routes.js";
import { bindOAuthTokenRoute } from "./client-credentials/token-route.js";
import { bindCollectionRoutes } from "./collections/collection-routes.js";
import { createAuthenticateHook } from "./http/authenticate.js";
import { corsOptions } from "./http/cors-options.js";
import { createErrorHandler } from "./http/error-handler.js";
import { bindHttpMetrics } from "./http/http-metrics.js";
import { bindJsonBodyParser } from "./http/json-body-parser.js";
import { sendProblem } from "./http/problem.js";
import { createRequestLogHook } from "./http/request-log.js";
import { MAX_PARAM_LENGTH, serverOptions } from "./http/server-options.js";
import { bindTracingHooks } from "./http/tracing-hooks.js";
import type { RoutePlugin } from "./http/type-provider.js";
import { bindUnreadBodyDrain } from "./http/unread-body-drain.js";
import { createValidatorCompiler } from "./http/validator-compiler.js";
import { bindJobRoutes } from "./jobs/job-routes.js";
import { jobSchema } from "./jobs/job-schema.js";
import { bindAuditRoute } from "./logs/audit-route.js";
import { bindRequestLogRoute } from "./logs/request-log-route.js";
import { bindRequestStatsRoute } from "./logs/request-stats-route.js";
import { bindDocsPage } from "./openapi/docs-page.js";
import { bindOpenApiRoute } from "./openapi/openapi-route.js";
import { watchRoutes } from "./openapi/route-docs.js";
import { bindHealthRoutes } from "./operations/health-routes.js";
import { bindMetricsRoute } from "./operations/metrics-route.js";
import { bindBatchRoute } from "./records/batch-route.js";
import { bindExplainRoute } from "./records/explain-route.js";
import { bindRecordRoutes } from "./records/record-routes.js";
import { bindProviderRoutes } from "./sign-in-providers/provider-routes.js";
import { bindSignInFlowRoutes } from "./sign-in-providers/sign-in-flow-routes.js";
import { bindSignInPageRoutes } from "./sign-in-providers/sign-in-page-routes.js";
import { bindJwksRoute } from "./superusers/jwks-route.js";
import { bindSuperuserSignInRoute } from "./superusers/sign-in-route.js";
import { bindExportRoutes } from "./transfers/export-routes.js";
import { bindImportRoute } from "./transfers/import-route.js";
import { bindDeliveryRoutes } from "./webhooks/delivery-routes.js";
import { bindWebhookRoutes } from "./webhooks/webhook-routes.js";

/** The route files of API v1, registered under `/api/v1` in this order. */
const API_V1: readonly RoutePlugin[] = [
	bindSuperuserSignInRoute,
	bindJwksRoute,
	bindSessionRoutes,
	bindImpersonationRoute,
	bindEmailRequestRoutes,
	bindEmailConfirmRoutes,
	bindProviderRoutes,
	bindSignInFlowRoutes,
	bindSignInPageRoutes,
	bindAccountLinkRoutes,
	bindApiKeyRoutes,
	bindOAuthClientRoutes,
	bindOAuthTokenRoute,
	bindCollectionRoutes,
	bindRecordRoutes,
	bindExplainRoute,
	bindBatchRoute,
	bindJobRoutes,
	bindImportRoute,
	bindExportRoutes,
	bindWebhookRoutes,
	bindDeliveryRoutes,
	bindRequestLogRoute,
	bindRequestStatsRoute,
	bindAuditRoute,
];

/**
 * Builds the HTTP server for an App: hooks (request id, authentication, one log line
 * per request), every route of API v1 under its prefix, OpenAPI and the error
 * handler. Listening is up to the caller, so tests can use `inject` or a port of
 * their choosing.
 */
export async function createServer(app: App): Promise<FastifyInstance> {
	const headers = securityHeaders({ tls: app.config.http.tls !== undefined });
	const server = Fastify(serverOptions(app, headers));
	server.setValidatorCompiler(createValidatorCompiler());
	// Answer schemas document and are checked by the conformance test; they never
	// reshape an answer (fast-json-stringify would drop members they leave out).
	server.setSerializerCompiler(() => (data) => JSON.stringify(data));
	const routes = watchRoutes(server);
	server.decorate("registeredRoutes", { getter: () => routes });
	// JSON only (docs/api.md): without this, Fastify's built-in text/plain parser
	// turns a text body into a string and the client gets 400 instead of 415.
	server.removeContentTypeParser("text/plain");
	bindJsonBodyParser(server);
	server.setErrorHandler(createErrorHandler());
	const refusalOf = createMethodCheck(routes, {
		maxParamLength: MAX_PARAM_LENGTH,
	});
	server.setNotFoundHandler((request, reply) => {
		const path = request.url.split("?")[0];
		const refusal = refusalOf(request.method, request.url);
		if (refusal) {
			reply.header("allow", refusal.allow);
			return sendProblem(
				reply,
				request,
				new AppError("METHOD_NOT_ALLOWED", {
					detail: refusal.allow
						? `${request.method} is not allowed on ${path}; it allows ${refusal.allow}.`
						: `${request.method} is not allowed on any endpoint.`,
				}),
			);
		}
		return sendProblem(
			reply,
			request,
			new AppError("ROUTE_NOT_FOUND", {
				detail: `No endpoint ${request.method} ${path}.`,
			}),
		);
	});
	// First, so every answer carries them: errors, 404s and 405s too.
	bindSecurityHeaders(server, headers);
	server.decorateRequest("caller", null as never);
	// First, so authentication and the request log line run inside the request's span.
	if (app.tracing) bindTracingHooks(server, app.tracing);
	if (app.config.metrics.enabled) bindHttpMetrics(server, app.metrics.http);
	server.addHook("onRequest", createAuthenticateHook(app));
	server.addHook(
		"onResponse",
		createRequestLogHook(app.logger, app.requestLogs),
	);
	// A few bodies' worth: enough for any body near the limit to be read to its end, so
	// the connection stays usable (docs/api.md, "Conventions").
	bindUnreadBodyDrain(server, 4 * app.config.http.bodyLimitBytes);
	await server.register(cors, corsOptions(app.config.http.corsOrigins));
	await server.register(bindHealthRoutes, { prefix: "/health", app });
	if (app.config.metrics.enabled) bindMetricsRoute(server, app);
	const apiV1: RoutePlugin = async (api) => {
		for (const plugin of API_V1) await api.register(plugin, { app });
		await api.register(
			bindOpenApiRoute(() => routes, {
				Job: jobSchema,
			}),
			{ app },
		);
	};
	await server.register(apiV1, { prefix: "/api/v1", app });
	await bindDocsPage(server);
	return server;
}
