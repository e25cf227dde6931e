import type { FastifyInstance } from "fastify";
import type { RouteSchema } from "./route-schema.js";

/** A route as Fastify registered it, with the schema it declared. */
export interface RegisteredRoute {
	/** Upper case: GET, POST, … */
	method: string;
	/** The full path with its prefix and `:name` parameters. */
	url: string;
	/** The route's schema; undefined for routes that declare none (/metrics, /docs). */
	schema: Partial<RouteSchema> | undefined;
	/** Its answers carry a token or a secret: no cache may keep them (`config.carriesSecret`). */
	carriesSecret: boolean;
}

/**
 * Records every route the server registers, through Fastify's onRoute hook, so the
 * OpenAPI document and the test that every route is documented read the routes
 * themselves rather than a list kept by hand. HEAD routes, which Fastify adds for
 * every GET, are left out.
 */
export function watchRoutes(
	server: FastifyInstance,
): readonly RegisteredRoute[] {
	const routes: RegisteredRoute[] = [];
	server.addHook("onRoute", (route) => {
		for (const method of [route.method].flat()) {
			if (method === "HEAD") continue;
			routes.push({
				method,
				url: route.url,
				schema: route.schema as Partial<RouteSchema> | undefined,
				carriesSecret: route.config?.carriesSecret === true,
			});
		}
	});
	return routes;
}
