import type { RoutePlugin } from "../http/type-provider.js";
import { json, PUBLIC } from "../openapi/route-schema.js";

const base = { tags: ["health"], security: PUBLIC } as const;

/**
 * Binds /health/live (the process runs, and which version it is) and /health/ready
 * (it can serve: docs/operations.md#health).
 */
export const bindHealthRoutes: RoutePlugin = async (server, { app }) => {
	server.get(
		"/live",
		{
			schema: {
				...base,
				summary: "Liveness: 200 while the process runs, with Basalt's version",
				response: {
					200: json("Alive", {
						type: "object",
						required: ["status", "version"],
						properties: {
							status: { const: "ok" },
							version: { type: "string", description: "Basalt's version" },
						},
					}),
				},
			},
		},
		async () => ({ status: "ok", version: app.version }),
	);
	server.get(
		"/ready",
		{
			schema: {
				...base,
				summary:
					"Readiness: 200 when the database (and Redis, if configured) answer, else 503 naming the failing parts",
				response: {
					200: json("Ready", {
						type: "object",
						required: ["status"],
						properties: { status: { const: "ok" } },
					}),
					503: json("Not ready", {
						type: "object",
						required: ["status", "failing"],
						properties: {
							status: { const: "unavailable" },
							failing: {
								type: "object",
								description: "Part name to what is wrong with it",
								additionalProperties: { type: "string" },
							},
						},
					}),
				},
			},
		},
		async (_request, reply) => {
			const failing = await app.readiness();
			if (Object.keys(failing).length === 0) return { status: "ok" };
			return reply.code(503).send({ status: "unavailable", failing });
		},
	);
};
