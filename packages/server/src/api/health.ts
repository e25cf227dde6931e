import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";

/**
 * Binds /health/live (the process runs, and which version it is) and /health/ready
 * (it can serve).
 */
export function bindHealthRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/health/live", async () => ({
		status: "ok",
		version: app.version,
	}));
	server.get("/health/ready", async (_request, reply) => {
		const failing = await app.readiness();
		if (Object.keys(failing).length === 0) return { status: "ok" };
		return reply.code(503).send({ status: "unavailable", failing });
	});
	docs.add({
		method: "get",
		path: "/health/live",
		summary: "Liveness: 200 while the process runs, with Basalt's version",
		tag: "health",
		auth: false,
		responses: {
			"200": {
				description: "Alive",
				schema: {
					type: "object",
					required: ["status", "version"],
					properties: {
						status: { const: "ok" },
						version: { type: "string", description: "Basalt's version" },
					},
				},
			},
		},
	});
	docs.add({
		method: "get",
		path: "/health/ready",
		summary:
			"Readiness: 200 when the database answers, else 503 naming the failing part",
		tag: "health",
		auth: false,
		responses: {
			"200": { description: "Ready" },
			"503": { description: "Not ready" },
		},
	});
}
