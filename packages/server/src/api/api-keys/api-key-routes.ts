import { auditRequest } from "../http/audit-request.js";
import { pageParams, queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	BEARER,
	empty,
	json,
	pageOf,
	problems,
} from "../openapi/route-schema.js";
import {
	apiKeyBody,
	apiKeySchema,
	newApiKeySchema,
} from "./api-key-schemas.js";

const idParams = {
	type: "object",
	properties: {
		id: { type: "string", maxLength: 256, description: "The key's id" },
	},
	required: ["id"],
} as const;
const listQuery = queryOf({
	...pageParams,
	ownerCollection: {
		type: "string",
		description:
			"Only keys of this owner collection: _superusers or an auth collection",
	},
	ownerId: { type: "string", description: "Only keys of this owner's id" },
});
const base = { tags: ["auth"], security: BEARER } as const;

/**
 * Binds the API keys API (docs/auth.md#api-keys): signed-in accounts manage their own
 * keys, superusers anyone's; API keys and client tokens get 403 SESSION_REQUIRED. The
 * key itself is in the 201 answer only.
 */
export const bindApiKeyRoutes: RoutePlugin = async (server, { app }) => {
	server.post(
		"/api-keys",
		{
			config: { carriesSecret: true },
			schema: {
				...base,
				summary:
					"Make an API key (signed-in accounts only; the key is shown once)",
				description:
					"Superusers may make a key for any record of an auth collection (`owner`). An account holds at most 100 keys.",
				body: apiKeyBody,
				response: {
					201: {
						...json("Made: `key` is in this answer only", newApiKeySchema),
						headers: {
							Location: {
								description: "The key's URL",
								schema: { type: "string" },
							},
							"Cache-Control": {
								description: "no-store: no cache may keep the key",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 409, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const created = await app.apiKeys.create(request.body, request.caller);
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
	server.get(
		"/api-keys",
		{
			schema: {
				...base,
				summary: "List API keys: your own, or (superusers) anyone's",
				querystring: listQuery,
				response: {
					200: json("A page of keys, oldest first", pageOf(apiKeySchema)),
					...problems(400, 401, 403),
				},
			},
		},
		async (request) => {
			const filter = { ...request.query, page: request.query.page ?? 1 };
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
		},
	);
	server.get(
		"/api-keys/:id",
		{
			schema: {
				...base,
				summary: "View an API key (without its secret)",
				params: idParams,
				response: {
					200: json("The key", apiKeySchema),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => app.apiKeys.get(request.params.id, request.caller),
	);
	server.delete(
		"/api-keys/:id",
		{
			schema: {
				...base,
				summary: "Revoke an API key: requests with it are refused from now on",
				params: idParams,
				response: {
					204: empty("Revoked"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { id } = request.params;
			await app.apiKeys.revoke(id, request.caller);
			await auditRequest(app, request, {
				action: "api_key.revoked",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
};
