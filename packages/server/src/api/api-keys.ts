import type { FastifyInstance } from "fastify";
import type { ApiKeyInput } from "../core/api-keys/index.js";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";
import { apiKeyCreateSchema, describeApiKeyRoutes } from "./api-keys-docs.js";
import { auditRequest } from "./http/audit-request.js";
import { pageParams, type Query, singleParam } from "./query-params.js";

const idParams = {
	type: "object",
	properties: { id: { type: "string", maxLength: 256 } },
	required: ["id"],
} as const;

/**
 * Binds the API keys API (SPEC section 6): signed-in users manage their own keys,
 * superusers anyone's. The key itself is in the 201 answer only.
 */
export function bindApiKeyRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.post(
		"/api/v1/api-keys",
		{ schema: { body: apiKeyCreateSchema } },
		async (request, reply) => {
			const created = await app.apiKeys.create(
				request.body as ApiKeyInput,
				request.caller,
			);
			await auditRequest(app, request, {
				action: "api_key.created",
				recordId: created.id,
				details: { name: created.name, scopes: created.scopes.join(" ") },
			});
			reply
				.code(201)
				.header("location", `/api/v1/api-keys/${created.id}`)
				// The one answer with the secret: no cache may keep a copy.
				.header("cache-control", "no-store");
			return created;
		},
	);
	server.get("/api/v1/api-keys", async (request) => {
		const query = request.query as Query;
		const filter = {
			...pageParams(query),
			ownerCollection: singleParam(query, "ownerCollection"),
			ownerId: singleParam(query, "ownerId"),
		};
		const { items, totalItems } = await app.apiKeys.list(
			filter,
			request.caller,
		);
		return {
			items,
			page: filter.page,
			perPage: filter.perPage,
			totalItems,
			totalPages: Math.ceil(totalItems / filter.perPage),
		};
	});
	server.get(
		"/api/v1/api-keys/:id",
		{ schema: { params: idParams } },
		async (request) =>
			app.apiKeys.get((request.params as { id: string }).id, request.caller),
	);
	server.delete(
		"/api/v1/api-keys/:id",
		{ schema: { params: idParams } },
		async (request, reply) => {
			const { id } = request.params as { id: string };
			await app.apiKeys.revoke(id, request.caller);
			await auditRequest(app, request, {
				action: "api_key.revoked",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
	describeApiKeyRoutes(docs);
}
