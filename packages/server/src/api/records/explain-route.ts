import { superusersOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, problems } from "../openapi/route-schema.js";
import { listOptionsOf, listQuery } from "./list-options.js";

/** The answer (core/records ListExplanation). */
const explanation = {
	type: "object",
	required: ["sql", "plan", "usesIndex", "indexes", "fullScan", "hint"],
	properties: {
		sql: {
			type: "string",
			description: "The statement, with placeholders (never the values)",
		},
		plan: {
			description:
				"SQLite's EXPLAIN QUERY PLAN rows, or PostgreSQL's EXPLAIN (FORMAT JSON)",
		},
		usesIndex: {
			type: "boolean",
			description: "An index narrows the rows read",
		},
		indexes: {
			type: "array",
			items: { type: "string" },
			description: "Every index the plan reads",
		},
		fullScan: {
			type: "boolean",
			description: "A table is read from start to end",
		},
		hint: {
			type: "string",
			description: "Which index would help, or that none is missing",
		},
	},
};

/**
 * Binds GET /collections/{collection}/explain (docs/operations.md#explaining-a-list):
 * the statement the records list runs for a filter and sort, and the database's plan
 * for it, so a superuser can tell which index to add. The query parameters are the
 * list's own, read the same way, so a bad filter is the same 400. Superusers only
 * (API keys need `collections:read`): a plan reveals the schema's indexes.
 */
export const bindExplainRoute: RoutePlugin = async (server, { app }) => {
	server.get(
		"/collections/:collection/explain",
		{
			preValidation: superusersOnly("collections:read"),
			schema: {
				summary:
					"Explain a records list: its SQL and the database's plan, to see which index a filter or sort needs (superusers)",
				tags: ["records"],
				security: BEARER,
				params: {
					type: "object",
					properties: {
						collection: { type: "string", description: "Collection name" },
					},
					required: ["collection"],
				},
				querystring: listQuery,
				response: {
					200: json("The plan", explanation),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) =>
			app.records.explainList(
				request.params.collection,
				listOptionsOf(request.query),
				{ caller: request.caller, method: "GET", body: {} },
			),
	);
};
