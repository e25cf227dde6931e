import type { FastifyRequest } from "fastify";
import { auditRequest, changedFields } from "../http/audit-request.js";
import { superusersOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, empty, json, problems } from "../openapi/route-schema.js";
import {
	providerCreateBody,
	providerPatchBody,
	providerSchema,
} from "./provider-schemas.js";

const nameParams = {
	type: "object",
	properties: {
		name: { type: "string", maxLength: 256, description: "Provider name" },
	},
	required: ["name"],
} as const;

const base = { tags: ["oauth2"], security: BEARER } as const;
const PROVIDERS = "/oauth2/providers";

/** Who changed a provider, for the log line: a superuser's email. */
function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/**
 * Binds the superusers' API of OAuth2 / OpenID Connect providers
 * (docs/auth.md#providers): client secrets go in sealed and never come out, and
 * every change is audited.
 */
export const bindProviderRoutes: RoutePlugin = async (server, { app }) => {
	const providers = app.signInProviders;
	server.get(
		PROVIDERS,
		{
			preValidation: superusersOnly(),
			schema: {
				...base,
				summary: "List OAuth2 providers (without client secrets)",
				response: {
					200: json("Every provider, by name", {
						type: "object",
						required: ["items"],
						properties: { items: { type: "array", items: providerSchema } },
					}),
					...problems(401, 403),
				},
			},
		},
		async (_request) => {
			return { items: await providers.list() };
		},
	);
	server.post(
		PROVIDERS,
		{
			preValidation: superusersOnly(),
			schema: {
				...base,
				summary: "Add an OAuth2 / OpenID Connect provider",
				body: providerCreateBody,
				response: {
					201: {
						...json("Created", providerSchema),
						headers: {
							Location: {
								description: "The provider's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 409, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const created = await providers.create(request.body, actorOf(request));
			await auditRequest(app, request, {
				action: "oauth2_provider.created",
				recordId: created.name,
			});
			reply.code(201).header("location", `/api/v1${PROVIDERS}/${created.name}`);
			return created;
		},
	);
	server.get(
		`${PROVIDERS}/:name`,
		{
			preValidation: superusersOnly(),
			schema: {
				...base,
				summary: "Get an OAuth2 provider",
				params: nameParams,
				response: {
					200: json("The provider", providerSchema),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => {
			return providers.get(request.params.name);
		},
	);
	server.patch(
		`${PROVIDERS}/:name`,
		{
			preValidation: superusersOnly(),
			schema: {
				...base,
				summary:
					"Change an OAuth2 provider (a clientSecret replaces the stored one)",
				params: nameParams,
				body: providerPatchBody,
				response: {
					200: json("The provider as changed", providerSchema),
					...problems(400, 401, 403, 404, 413, 415, 422),
				},
			},
		},
		async (request) => {
			const { name } = request.params;
			const updated = await providers.update(
				name,
				request.body,
				actorOf(request),
			);
			await auditRequest(app, request, {
				action: "oauth2_provider.updated",
				recordId: name,
				details: { fields: changedFields(request.body) },
			});
			return updated;
		},
	);
	server.delete(
		`${PROVIDERS}/:name`,
		{
			preValidation: superusersOnly(),
			schema: {
				...base,
				summary: "Delete an OAuth2 provider with its account links",
				description: "Its pending sign-ins go with it.",
				params: nameParams,
				response: {
					204: empty("Deleted"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { name } = request.params;
			await providers.remove(name, actorOf(request));
			await auditRequest(app, request, {
				action: "oauth2_provider.deleted",
				recordId: name,
			});
			return reply.code(204).send();
		},
	);
};
