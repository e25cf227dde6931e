import { auditRequest, changedFields } from "../http/audit-request.js";
import { superuserSessionsOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	BEARER,
	empty,
	json,
	problems,
	type ResponseDoc,
} from "../openapi/route-schema.js";
import {
	clientCreateBody,
	clientPatchBody,
	clientSchema,
	clientWithSecretSchema,
} from "./client-schemas.js";

const idParams = {
	type: "object",
	properties: {
		id: { type: "string", maxLength: 256, description: "The client_id" },
	},
	required: ["id"],
} as const;
const base = { tags: ["auth"], security: BEARER } as const;
const noStore: ResponseDoc["headers"] = {
	"Cache-Control": {
		description: "no-store: no cache may keep the secret",
		schema: { type: "string" },
	},
};

/**
 * Binds the OAuth2 clients API (docs/auth.md#oauth2-client-credentials): registered
 * clients of the client_credentials grant, managed by signed-in superusers only
 * (never with an API key or client token: 403 SESSION_REQUIRED).
 */
export const bindOAuthClientRoutes: RoutePlugin = async (server, { app }) => {
	const path = "/oauth/clients";
	server.get(
		path,
		{
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary: "List OAuth2 clients (signed-in superusers)",
				response: {
					200: json("Every client, oldest first", {
						type: "object",
						required: ["items"],
						properties: { items: { type: "array", items: clientSchema } },
					}),
					...problems(401, 403),
				},
			},
		},
		async (_request) => {
			return { items: await app.clients.list() };
		},
	);
	server.post(
		path,
		{
			config: { carriesSecret: true },
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary: "Register an OAuth2 client for the client_credentials grant",
				body: clientCreateBody,
				response: {
					201: {
						...json(
							"Registered: `secret` is in this answer only",
							clientWithSecretSchema,
						),
						headers: {
							...noStore,
							Location: {
								description: "The client's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const created = await app.clients.create(request.body);
			await auditRequest(app, request, {
				action: "oauth_client.created",
				recordId: created.id,
				details: { name: created.name, scopes: created.scopes.join(" ") },
			});
			reply
				.code(201)
				.header("location", `/api/v1${path}/${created.id}`)
				.header("cache-control", "no-store");
			return created;
		},
	);
	server.get(
		`${path}/:id`,
		{
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary: "View an OAuth2 client",
				params: idParams,
				response: {
					200: json("The client", clientSchema),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => {
			return app.clients.get(request.params.id);
		},
	);
	server.patch(
		`${path}/:id`,
		{
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary:
					"Change a client's name, scopes or active flag (narrower scopes narrow issued tokens at once)",
				params: idParams,
				body: clientPatchBody,
				response: {
					200: json("The client as changed", clientSchema),
					...problems(400, 401, 403, 404, 413, 415, 422),
				},
			},
		},
		async (request) => {
			const { id } = request.params;
			const updated = await app.clients.update(id, request.body);
			await auditRequest(app, request, {
				action: "oauth_client.updated",
				recordId: id,
				details: { fields: changedFields(request.body) },
			});
			return updated;
		},
	);
	server.delete(
		`${path}/:id`,
		{
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary: "Delete a client: its tokens are refused from now on",
				params: idParams,
				response: {
					204: empty("Deleted"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { id } = request.params;
			await app.clients.remove(id);
			await auditRequest(app, request, {
				action: "oauth_client.deleted",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
	server.post(
		`${path}/:id/secret`,
		{
			config: { carriesSecret: true },
			preValidation: superuserSessionsOnly,
			schema: {
				...base,
				summary:
					"Make a new client secret; the old one and every issued token stop working",
				params: idParams,
				response: {
					200: {
						...json("The client with its new secret", clientWithSecretSchema),
						headers: noStore,
					},
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			reply.header("cache-control", "no-store");
			const { id } = request.params;
			const rotated = await app.clients.rotateSecret(id);
			await auditRequest(app, request, {
				action: "oauth_client.secret_rotated",
				recordId: id,
			});
			return rotated;
		},
	);
};
