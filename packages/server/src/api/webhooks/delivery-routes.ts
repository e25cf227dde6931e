import { deliveryStatuses } from "../../core/webhooks/index.js";
import { superusersOnly } from "../http/authenticate.js";
import { choiceParam, pageParams, queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, pageOf, problems } from "../openapi/route-schema.js";
import { deliverySchema, webhookParams } from "./webhook-schemas.js";

const deliveryParams = {
	type: "object",
	properties: {
		id: webhookParams.properties.id,
		deliveryId: { type: "string", maxLength: 256, description: "Delivery id" },
	},
	required: ["id", "deliveryId"],
} as const;
const base = { tags: ["webhooks"], security: BEARER } as const;

/**
 * Binds a webhook's delivery log and redelivery
 * (docs/webhooks.md#retries-timeouts-and-the-delivery-log). Superusers only; an API
 * key needs the `webhooks` scope.
 */
export const bindDeliveryRoutes: RoutePlugin = async (server, { app }) => {
	const preValidation = superusersOnly("webhooks");
	server.get(
		"/webhooks/:id/deliveries",
		{
			preValidation,
			schema: {
				...base,
				summary: "A webhook's deliveries, newest first",
				params: webhookParams,
				querystring: queryOf({
					status: choiceParam(
						deliveryStatuses,
						"Only deliveries in this status",
					),
					...pageParams,
				}),
				response: {
					200: json("A page of deliveries", pageOf(deliverySchema)),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => {
			const { page = 1, perPage, status } = request.query;
			const { items, totalItems } = await app.webhooks.listDeliveries(
				request.params.id,
				{ status, page, perPage },
			);
			return {
				items,
				page,
				perPage,
				totalItems,
				totalPages: Math.ceil(totalItems / perPage),
			};
		},
	);
	server.post(
		"/webhooks/:id/deliveries/:deliveryId/redeliver",
		{
			preValidation,
			schema: {
				...base,
				summary: "Send a delivery's payload again, as a new delivery",
				params: deliveryParams,
				response: {
					202: json("The new delivery, queued", deliverySchema),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { id, deliveryId } = request.params;
			reply.code(202);
			return app.webhooks.redeliver(id, deliveryId);
		},
	);
};
