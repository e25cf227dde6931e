import type { FastifyRequest } from "fastify";
import { auditRequest, changedFields } from "../http/audit-request.js";
import { superusersOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, empty, json, problems } from "../openapi/route-schema.js";
import {
	changedWebhookSchema,
	webhookCreateBody,
	webhookParams,
	webhookPatchBody,
	webhookSchema,
	webhookWithSecretSchema,
} from "./webhook-schemas.js";

const base = { tags: ["webhooks"], security: BEARER } as const;

function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/**
 * Binds the webhooks API (docs/webhooks.md#managing-webhooks-superusers): create,
 * list, view, change and delete. Superusers only; an API key needs the `webhooks`
 * scope. Every change is audited.
 */
export const bindWebhookRoutes: RoutePlugin = async (server, { app }) => {
	const preValidation = superusersOnly("webhooks");
	server.get(
		"/webhooks",
		{
			preValidation,
			schema: {
				...base,
				summary: "List webhooks (without secrets)",
				response: {
					200: json("All webhooks", {
						type: "object",
						required: ["items"],
						properties: { items: { type: "array", items: webhookSchema } },
					}),
					...problems(401, 403),
				},
			},
		},
		async () => ({ items: await app.webhooks.list() }),
	);
	server.post(
		"/webhooks",
		{
			config: { carriesSecret: true },
			preValidation,
			schema: {
				...base,
				summary:
					"Create a webhook; the answer is the only time the secret is shown",
				body: webhookCreateBody,
				response: {
					201: {
						...json("Created", webhookWithSecretSchema),
						headers: {
							Location: {
								description: "The webhook's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 413, 415, 422),
				},
			},
		},
		async (request, reply) => {
			const created = await app.webhooks.create(request.body, actorOf(request));
			await auditRequest(app, request, {
				action: "webhook.created",
				recordId: created.id,
				details: { events: created.events.join(" ") },
			});
			reply.code(201).header("location", `/api/v1/webhooks/${created.id}`);
			return created;
		},
	);
	server.get(
		"/webhooks/:id",
		{
			preValidation,
			schema: {
				...base,
				summary: "Get a webhook",
				params: webhookParams,
				response: {
					200: json("The webhook", webhookSchema),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => app.webhooks.get(request.params.id),
	);
	server.patch(
		"/webhooks/:id",
		{
			config: { carriesSecret: true },
			preValidation,
			schema: {
				...base,
				summary: "Change a webhook; active: true resumes a paused one",
				params: webhookParams,
				body: webhookPatchBody,
				response: {
					200: json(
						"Changed (with the secret if this call set it)",
						changedWebhookSchema,
					),
					...problems(400, 401, 403, 404, 413, 415, 422),
				},
			},
		},
		async (request) => {
			const { id } = request.params;
			const updated = await app.webhooks.update(
				id,
				request.body,
				actorOf(request),
			);
			await auditRequest(app, request, {
				action: "webhook.updated",
				recordId: id,
				details: { fields: changedFields(request.body) },
			});
			return updated;
		},
	);
	server.delete(
		"/webhooks/:id",
		{
			preValidation,
			schema: {
				...base,
				summary: "Delete a webhook and its deliveries",
				params: webhookParams,
				response: {
					204: empty("Deleted"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { id } = request.params;
			await app.webhooks.remove(id, actorOf(request));
			await auditRequest(app, request, {
				action: "webhook.deleted",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
};
