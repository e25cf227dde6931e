import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import {
	type DeliveryStatus,
	deliveryStatuses,
	type WebhookInput,
} from "../core/webhooks/index.js";
import type { ApiDocs } from "./api-docs.js";
import { auditRequest, changedFields } from "./http/audit-request.js";
import { requireSuperuser } from "./http/authenticate.js";
import { choiceParam, pageParams, type Query } from "./query-params.js";
import {
	describeWebhookRoutes,
	webhookCreateSchema,
	webhookPatchSchema,
} from "./webhooks-docs.js";

const idParams = {
	type: "object",
	properties: { id: { type: "string", maxLength: 256 } },
	required: ["id"],
} as const;
const deliveryParams = {
	type: "object",
	properties: {
		id: { type: "string", maxLength: 256 },
		deliveryId: { type: "string", maxLength: 256 },
	},
	required: ["id", "deliveryId"],
} as const;

function actorOf(request: FastifyRequest): string | null {
	return request.caller.kind === "superuser" ? request.caller.email : null;
}

/** Reads the filters of GET …/deliveries; anything odd is a 400 naming it. */
function parseDeliveryQuery(query: Query) {
	return {
		status: choiceParam<DeliveryStatus>(query, "status", deliveryStatuses),
		...pageParams(query),
	};
}

/** Binds the webhooks API (SPEC section 8): superusers only. */
export function bindWebhookRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/webhooks", async (request) => {
		requireSuperuser(request, "webhooks");
		return { items: await app.webhooks.list() };
	});
	server.post(
		"/api/v1/webhooks",
		{ schema: { body: webhookCreateSchema } },
		async (request, reply) => {
			requireSuperuser(request, "webhooks");
			const created = await app.webhooks.create(
				request.body as WebhookInput & { url: string; events: string[] },
				actorOf(request),
			);
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
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams } },
		async (request) => {
			requireSuperuser(request, "webhooks");
			return app.webhooks.get((request.params as { id: string }).id);
		},
	);
	server.patch(
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams, body: webhookPatchSchema } },
		async (request) => {
			requireSuperuser(request, "webhooks");
			const { id } = request.params as { id: string };
			const updated = await app.webhooks.update(
				id,
				request.body as WebhookInput,
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
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuser(request, "webhooks");
			const { id } = request.params as { id: string };
			await app.webhooks.remove(id, actorOf(request));
			await auditRequest(app, request, {
				action: "webhook.deleted",
				recordId: id,
			});
			return reply.code(204).send();
		},
	);
	server.get(
		"/api/v1/webhooks/:id/deliveries",
		{ schema: { params: idParams } },
		async (request) => {
			requireSuperuser(request, "webhooks");
			const filter = parseDeliveryQuery(request.query as Query);
			const { items, totalItems } = await app.webhooks.listDeliveries(
				(request.params as { id: string }).id,
				filter,
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
	server.post(
		"/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver",
		{ schema: { params: deliveryParams } },
		async (request, reply) => {
			requireSuperuser(request, "webhooks");
			const { id, deliveryId } = request.params as {
				id: string;
				deliveryId: string;
			};
			reply.code(202);
			return app.webhooks.redeliver(id, deliveryId);
		},
	);
	describeWebhookRoutes(docs);
}
