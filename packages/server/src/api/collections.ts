import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import {
	type Collection,
	type CollectionInput,
	collectionInputSchema,
} from "../core/collections/index.js";
import type { ApiDocs } from "./api-docs.js";
import { auditRequest, changedFields } from "./http/audit-request.js";
import { requireSuperuser } from "./http/authenticate.js";
import { collectionPathParameter } from "./records-docs.js";

const nameParams = {
	type: "object",
	properties: { collection: { type: "string" } },
	required: ["collection"],
} as const;
const createSchema = { ...collectionInputSchema, required: ["name"] } as const;

/** A collection as the API returns it. */
function present(c: Collection) {
	const { id, name, type, fields, indexes, rules, cache, created, updated } = c;
	return { id, name, type, fields, indexes, rules, cache, created, updated };
}

function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/** Binds the collections API (SPEC section 3): superusers only. */
export function bindCollectionRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/collections", async (request) => {
		requireSuperuser(request, "collections:read");
		return { items: app.collections.list().map(present) };
	});
	server.post(
		"/api/v1/collections",
		{ schema: { body: createSchema } },
		async (request, reply) => {
			requireSuperuser(request, "collections:write");
			const created = await app.collections.create(
				request.body as CollectionInput,
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
			return present(created);
		},
	);
	server.get(
		"/api/v1/collections/:collection",
		{ schema: { params: nameParams } },
		async (request) => {
			requireSuperuser(request, "collections:read");
			return present(
				app.collections.get(
					(request.params as { collection: string }).collection,
				),
			);
		},
	);
	server.patch(
		"/api/v1/collections/:collection",
		{ schema: { params: nameParams, body: collectionInputSchema } },
		async (request) => {
			requireSuperuser(request, "collections:write");
			const { collection } = request.params as { collection: string };
			const updated = await app.collections.update(
				collection,
				request.body as CollectionInput,
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
			return present(updated);
		},
	);
	server.delete(
		"/api/v1/collections/:collection",
		{ schema: { params: nameParams } },
		async (request, reply) => {
			requireSuperuser(request, "collections:write");
			const { collection } = request.params as { collection: string };
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
		"/api/v1/collections/:collection/history",
		{ schema: { params: nameParams } },
		async (request) => {
			requireSuperuser(request, "collections:read");
			return {
				items: await app.collections.history(
					(request.params as { collection: string }).collection,
				),
			};
		},
	);
	describe(docs);
}

function describe(docs: ApiDocs): void {
	const collection = { $ref: "#/components/schemas/Collection" };
	const param = [collectionPathParameter];
	const base = { tag: "collections", auth: true } as const;
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/collections",
		summary: "List collections",
		responses: { "200": { description: "All collections" } },
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/collections",
		summary: "Create a collection (a table with its indexes)",
		requestBody: createSchema,
		responses: {
			"201": { description: "Created", schema: collection },
			"422": { description: "Invalid definition" },
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/collections/{collection}",
		summary: "Get a collection",
		parameters: param,
		responses: { "200": { description: "The collection", schema: collection } },
	});
	docs.add({
		...base,
		method: "patch",
		path: "/api/v1/collections/{collection}",
		summary:
			"Change a collection: fields are matched by id (rename, add, drop), data is kept",
		parameters: param,
		requestBody: collectionInputSchema,
		responses: {
			"200": { description: "Changed", schema: collection },
			"422": { description: "Refused change; nothing changed" },
		},
	});
	docs.add({
		...base,
		method: "delete",
		path: "/api/v1/collections/{collection}",
		summary: "Drop a collection and its records",
		parameters: param,
		responses: { "204": { description: "Dropped" } },
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/collections/{collection}/history",
		summary: "The collection's recorded schema changes, with their SQL",
		parameters: param,
		responses: { "200": { description: "Changes, oldest first" } },
	});
}
