import type { FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import type { Collection } from "../../core/model/index.js";
import { auditRequest, changedFields } from "../http/audit-request.js";
import { superusersOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, empty, json, problems } from "../openapi/route-schema.js";
import {
	collectionCreateBody,
	collectionPatchBody,
	collectionSchema,
	historyEntrySchema,
} from "./collection-schemas.js";

const nameParams = {
	type: "object",
	properties: {
		collection: { type: "string", description: "Collection name" },
	},
	required: ["collection"],
} as const;
const base = { tags: ["collections"], security: BEARER } as const;

/**
 * A collection as the API returns it: without its internal version, with what the
 * response cache does with it on this node.
 */
function present(c: Collection, app: App) {
	const { id, name, type, fields, indexes, rules, cache, created, updated } = c;
	const activity = app.records.cacheActivity(name);
	const cacheStatus = {
		...activity,
		active: cache.mode === "on" || (cache.mode === "auto" && activity.active),
	};
	return {
		id,
		name,
		type,
		fields,
		indexes,
		rules,
		cache,
		cacheStatus,
		created,
		updated,
	};
}

function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/**
 * Binds the collections API (docs/api.md#collections-superusers-only): superusers
 * only; a superuser's API key needs `collections:read` or `collections:write`.
 */
export const bindCollectionRoutes: RoutePlugin = async (server, { app }) => {
	server.get(
		"/collections",
		{
			preValidation: superusersOnly("collections:read"),
			schema: {
				...base,
				summary: "List collections",
				response: {
					200: json("Every collection, by name", {
						type: "object",
						required: ["items"],
						properties: { items: { type: "array", items: collectionSchema } },
					}),
					...problems(401, 403),
				},
			},
		},
		async (_request) => {
			return { items: app.collections.list().map((c) => present(c, app)) };
		},
	);
	server.post(
		"/collections",
		{
			preValidation: superusersOnly("collections:write"),
			schema: {
				...base,
				summary: "Create a collection (a table with its indexes)",
				body: collectionCreateBody,
				response: {
					201: {
						...json("Created", collectionSchema),
						headers: {
							Location: {
								description: "The collection's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 409, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const created = await app.collections.create(
				request.body,
				actorOf(request),
				(trx, collection) =>
					auditRequest(
						app,
						request,
						{ action: "collection.created", collection: collection.name },
						trx,
					),
			);
			reply.code(201).header("location", `/api/v1/collections/${created.name}`);
			return present(created, app);
		},
	);
	server.get(
		"/collections/:collection",
		{
			preValidation: superusersOnly("collections:read"),
			schema: {
				...base,
				summary: "Get a collection",
				params: nameParams,
				response: {
					200: json("The collection", collectionSchema),
					...problems(401, 403, 404),
				},
			},
		},
		async (request) => {
			return present(app.collections.get(request.params.collection), app);
		},
	);
	server.patch(
		"/collections/:collection",
		{
			preValidation: superusersOnly("collections:write"),
			schema: {
				...base,
				summary:
					"Change a collection: fields are matched by id (rename, add, drop), data is kept",
				description:
					"A change the data or another collection's rules cannot take is refused with 422, and nothing changes (docs/api.md#changing-a-collection).",
				params: nameParams,
				body: collectionPatchBody,
				response: {
					200: json("The collection as changed", collectionSchema),
					...problems(400, 401, 403, 404, 409, 413, 415, 422),
				},
			},
		},
		async (request) => {
			const { collection } = request.params;
			const updated = await app.collections.update(
				collection,
				request.body,
				actorOf(request),
				(trx, after) =>
					auditRequest(
						app,
						request,
						{
							action: "collection.updated",
							collection: after.name,
							details: { fields: changedFields(request.body) },
						},
						trx,
					),
			);
			return present(updated, app);
		},
	);
	server.delete(
		"/collections/:collection",
		{
			preValidation: superusersOnly("collections:write"),
			schema: {
				...base,
				summary: "Drop a collection and its records",
				description:
					"Refused with 409 while relation fields of other collections point at it, and with 422 while another collection's rule names it.",
				params: nameParams,
				response: {
					204: empty("Dropped"),
					...problems(401, 403, 404, 409, 422),
				},
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			await app.collections.remove(collection, actorOf(request), (trx) =>
				auditRequest(
					app,
					request,
					{ action: "collection.deleted", collection },
					trx,
				),
			);
			return reply.code(204).send();
		},
	);
	server.get(
		"/collections/:collection/history",
		{
			preValidation: superusersOnly("collections:read"),
			schema: {
				...base,
				summary: "The collection's recorded schema changes, with their SQL",
				params: nameParams,
				response: {
					200: json("Changes, oldest first", {
						type: "object",
						required: ["items"],
						properties: {
							items: { type: "array", items: historyEntrySchema },
						},
					}),
					...problems(401, 403, 404),
				},
			},
		},
		async (request) => {
			return {
				items: await app.collections.history(request.params.collection),
			};
		},
	);
};
