import type { Span } from "@opentelemetry/api";
import type { Caller } from "../../core/model/index.js";
import type { RegisteredRoute } from "../openapi/route-docs.js";

declare module "fastify" {
	interface FastifyRequest {
		/** Who is calling, set by the authenticate hook before any handler runs. */
		caller: Caller;
		/** The request's SERVER span while tracing is on (tracing-hooks.ts). */
		traceSpan: Span | undefined;
	}
	interface FastifyInstance {
		/** Every route registered so far, with its schema (openapi/route-docs.ts). */
		readonly registeredRoutes: readonly RegisteredRoute[];
	}
	interface FastifyContextConfig {
		/** The route reads its own credentials; the authenticate hook leaves it a guest. */
		ownAuthentication?: boolean;
		/**
		 * The route's answers carry a token or a secret: they get
		 * `Cache-Control: no-store` whatever the handler set (security-headers.ts).
		 */
		carriesSecret?: boolean;
	}
}
