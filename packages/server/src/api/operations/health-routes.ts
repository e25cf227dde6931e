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
					"Readiness: 200 when the node can serve (the database answers, and Redis when jobs queue there), else 503 naming the failing parts",
				description:
					"A ready node whose optional parts fail (a cache store, the event bus, Redis for rate limits) answers 200 with `degraded` naming them: it serves, in a lesser way (docs/operations.md#health).",
				response: {
					200: json("Ready", {
						type: "object",
						required: ["status"],
						properties: {
							status: { const: "ok" },
							degraded: {
								type: "object",
								description:
									"Part name to what is wrong with it; absent when every part works",
								additionalProperties: { type: "string" },
							},
						},
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
			const [failing, degraded] = await Promise.all([
				app.readiness(),
				app.degradation(),
			]);
			if (Object.keys(failing).length > 0)
				return reply.code(503).send({ status: "unavailable", failing });
			return Object.keys(degraded).length === 0
				? { status: "ok" }
				: { status: "ok", degraded };
		},
	);
};
