import { createRequire } from "node:module";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Basalt API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

// A separate file rather than an inline script, so the page works under a CSP that
// forbids inline scripts.
const INIT = `window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui", deepLinking: true });`;

/** Binds /docs: Swagger UI (from the swagger-ui-dist package) over the live OpenAPI document. */
export async function bindDocsPage(server: FastifyInstance): Promise<void> {
	const root = path.dirname(
		createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"),
	);
	await server.register(fastifyStatic, {
		root,
		prefix: "/docs/assets/",
		decorateReply: false,
		index: false,
	});
	server.get("/docs", async (_request, reply) =>
		reply.type("text/html; charset=utf-8").send(PAGE),
	);
	server.get("/docs/init.js", async (_request, reply) =>
		reply.type("text/javascript; charset=utf-8").send(INIT),
	);
}
