import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";
import { requireSuperuser } from "./http/authenticate.js";
import { parseListQuery } from "./list-query.js";
import { collectionPathParameter, listParameters } from "./records-docs.js";

type Query = Record<string, string | string[] | undefined>;

/**
 * Binds GET /api/v1/collections/{collection}/explain (issue 5): the statement the
 * records list runs for a filter and sort, and the database's plan for it, so a
 * superuser can tell which index to add. The query parameters are the list's own,
 * read by the same parser, so a bad filter is the same 400. Superusers only (API keys
 * need `collections:read`): a plan reveals the schema's indexes.
 */
export function bindRecordsExplainRoute(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get(
		"/api/v1/collections/:collection/explain",
		async (request, reply) => {
			requireSuperuser(request, "collections:read");
			const { collection } = request.params as { collection: string };
			const explanation = await app.records.explainList(
				collection,
				parseListQuery(request.query as Query),
				{ caller: request.caller, method: "GET", body: {} },
			);
			return reply.code(200).send(explanation);
		},
	);
	docs.add({
		method: "get",
		path: "/api/v1/collections/{collection}/explain",
		summary:
			"Explain a records list: its SQL (placeholders, no values) and the database's plan, to see which index a filter or sort needs (superusers)",
		tag: "records",
		auth: true,
		parameters: [
			collectionPathParameter,
			...listParameters.filter((p) =>
				["filter", "sort", "page", "perPage", "cursor"].includes(
					String(p.name),
				),
			),
		],
		responses: {
			"200": {
				description:
					"The plan: sql, plan (SQLite EXPLAIN QUERY PLAN rows or PostgreSQL EXPLAIN (FORMAT JSON)), usesIndex, indexes, fullScan, hint",
				schema: {
					type: "object",
					required: ["sql", "plan", "usesIndex", "indexes", "fullScan", "hint"],
					properties: {
						sql: { type: "string" },
						plan: {},
						usesIndex: { type: "boolean" },
						indexes: { type: "array", items: { type: "string" } },
						fullScan: { type: "boolean" },
						hint: { type: "string" },
					},
				},
			},
			"400": { description: "A bad filter or sort, as for the list" },
			"404": { description: "No such collection" },
		},
	});
}
