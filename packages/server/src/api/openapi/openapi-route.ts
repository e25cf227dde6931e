import type { RoutePlugin } from "../http/type-provider.js";
import { buildOpenApi } from "./build-openapi.js";
import type { RegisteredRoute } from "./route-docs.js";
import { json, PUBLIC, type Schema } from "./route-schema.js";

/**
 * Binds GET /openapi.json: the document of the live server, built from the registered
 * routes and the collections as they are now. Building it takes tens of milliseconds,
 * and the route is public: it is built once per generation of the collection registry
 * (every schema change moves it on) and kept until the next one.
 */
export function bindOpenApiRoute(
	routes: () => readonly RegisteredRoute[],
	schemas: Readonly<Record<string, Schema>> = {},
): RoutePlugin {
	return async function openApiRoute(server, { app }) {
		let built: { generation: number; document: unknown } | undefined;
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
			async () => {
				const generation = app.registry.generation;
				if (built?.generation !== generation)
					built = {
						generation,
						document: buildOpenApi({
							routes: routes(),
							collections: app.collections.list(),
							version: app.version,
							schemas,
						}),
					};
				return built.document;
			},
		);
	};
}
