import type { FastifyInstance } from "fastify";
import type { App } from "../core/app.js";
import type { OAuthClientInput } from "../core/machine-access/index.js";
import type { ApiDocs } from "./api-docs.js";
import { requireSuperuserSession } from "./authenticate.js";
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
		return { items: await app.oauthClients.list() };
	});
	server.post(
		base,
		{ schema: { body: oauthClientCreateSchema } },
		async (request, reply) => {
			requireSuperuserSession(request);
			const created = await app.oauthClients.create(
				request.body as OAuthClientInput,
			);
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
			return app.oauthClients.get((request.params as { id: string }).id);
		},
	);
	server.patch(
		`${base}/:id`,
		{ schema: { params: idParams, body: oauthClientPatchSchema } },
		async (request) => {
			requireSuperuserSession(request);
			return app.oauthClients.update(
				(request.params as { id: string }).id,
				request.body as OAuthClientInput,
			);
		},
	);
	server.delete(
		`${base}/:id`,
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuserSession(request);
			await app.oauthClients.remove((request.params as { id: string }).id);
			return reply.code(204).send();
		},
	);
	server.post(
		`${base}/:id/secret`,
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuserSession(request);
			reply.header("cache-control", "no-store");
			return app.oauthClients.rotateSecret(
				(request.params as { id: string }).id,
			);
		},
	);
	describeOAuthClientRoutes(docs);
}
