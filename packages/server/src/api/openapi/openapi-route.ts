import type { RoutePlugin } from "../http/type-provider.js";
import { buildOpenApi } from "./build-openapi.js";
import type { RegisteredRoute } from "./route-docs.js";
import { json, PUBLIC, type Schema } from "./route-schema.js";

/**
 * Binds GET /openapi.json: the document of the live server, built anew on each
 * request from the registered routes and the collections as they are now.
 */
export function bindOpenApiRoute(
	routes: () => readonly RegisteredRoute[],
	schemas: Readonly<Record<string, Schema>> = {},
): RoutePlugin {
	return async function openApiRoute(server, { app }) {
		server.get(
			"/openapi.json",
			{
				schema: {
					summary: "The OpenAPI 3.1 document of this server",
					tags: ["meta"],
					security: PUBLIC,
					response: {
						200: json("The document, collections included", {
							type: "object",
						}),
					},
				},
			},
			async () =>
				buildOpenApi({
					routes: routes(),
					collections: app.collections.list(),
					version: app.version,
					schemas,
				}),
		);
	};
}
