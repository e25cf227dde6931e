import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ClientInput } from "../core/client-credentials/index.js";
import type { ApiDocs } from "./api-docs.js";
import { auditRequest, changedFields } from "./http/audit-request.js";
import { requireSuperuserSession } from "./http/authenticate.js";
import {
	describeOAuthClientRoutes,
	oauthClientCreateSchema,
	oauthClientPatchSchema,
} from "./oauth-docs.js";

const idParams = {
	type: "object",
	properties: { id: { type: "string", maxLength: 256 } },
	required: ["id"],
} as const;

/**
 * Binds the OAuth2 clients API: registered clients of the client_credentials grant,
 * managed by signed-in superusers only (never with an API key or client token).
 */
export function bindOAuthClientRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	const base = "/api/v1/oauth/clients";
	server.get(base, async (request) => {
		requireSuperuserSession(request);
		return { items: await app.clients.list() };
	});
	server.post(
		base,
		{ schema: { body: oauthClientCreateSchema } },
		async (request, reply) => {
			requireSuperuserSession(request);
			const created = await app.clients.create(request.body as ClientInput);
			await auditRequest(app, request, {
				action: "oauth_client.created",
				recordId: created.id,
				details: { name: created.name, scopes: created.scopes.join(" ") },
			});
			reply
				.code(201)
				.header("location", `${base}/${created.id}`)
				.header("cache-control", "no-store");
			return created;
		},
	);
	server.get(
		`${base}/:id`,
		{ schema: { params: idParams } },
		async (request) => {
			requireSuperuserSession(request);
			return app.clients.get((request.params as { id: string }).id);
		},
	);
	server.patch(
		`${base}/:id`,
		{ schema: { params: idParams, body: oauthClientPatchSchema } },
		async (request) => {
			requireSuperuserSession(request);
			const { id } = request.params as { id: string };
			const updated = await app.clients.update(id, request.body as ClientInput);
			await auditRequest(app, request, {
				action: "oauth_client.updated",
				recordId: id,
				details: { fields: changedFields(request.body) },
			});
			return updated;
		},
	);
	server.delete(
		`${base}/:id`,
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuserSession(request);
			const { id } = request.params as { id: string };
			await app.clients.remove(id);
			await auditRequest(app, request, {
				action: "oauth_client.deleted",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
	server.post(
		`${base}/:id/secret`,
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuserSession(request);
			reply.header("cache-control", "no-store");
			const { id } = request.params as { id: string };
			const rotated = await app.clients.rotateSecret(id);
			await auditRequest(app, request, {
				action: "oauth_client.secret_rotated",
				recordId: id,
			});
			return rotated;
		},
	);
	describeOAuthClientRoutes(docs);
}
