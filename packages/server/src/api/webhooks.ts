import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../core/app.js";
import {
	type DeliveryStatus,
	deliveryStatuses,
	type WebhookInput,
} from "../core/webhooks/index.js";
import { AppError } from "../tools/errors/index.js";
import type { ApiDocs } from "./api-docs.js";
import { requireSuperuser } from "./authenticate.js";
import {
	describeWebhookRoutes,
	webhookCreateSchema,
	webhookPatchSchema,
} from "./webhooks-docs.js";

type Query = Record<string, string | string[] | undefined>;

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
	const one = (name: string) => {
		const value = query[name];
		if (Array.isArray(value)) throw invalid(name, "must be given once");
		return value === "" ? undefined : value;
	};
	const status = one("status");
	if (
		status !== undefined &&
		!(deliveryStatuses as readonly string[]).includes(status)
	) {
		throw invalid("status", `must be one of ${deliveryStatuses.join(", ")}`);
	}
	const number = (name: string, fallback: number, max: number) => {
		const raw = one(name);
		if (raw === undefined) return fallback;
		if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
			throw invalid(name, `must be a whole number from 1 to ${max}`);
		}
		return Number(raw);
	};
	return {
		status: status as DeliveryStatus | undefined,
		page: number("page", 1, 1_000_000),
		perPage: number("perPage", 30, 500),
	};
}

function invalid(name: string, message: string): AppError {
	return new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}

/** Binds the webhooks API (SPEC section 8): superusers only. */
export function bindWebhookRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/webhooks", async (request) => {
		requireSuperuser(request);
		return { items: await app.webhooks.list() };
	});
	server.post(
		"/api/v1/webhooks",
		{ schema: { body: webhookCreateSchema } },
		async (request, reply) => {
			requireSuperuser(request);
			const created = await app.webhooks.create(
				request.body as WebhookInput & { url: string; events: string[] },
				actorOf(request),
			);
			reply.code(201).header("location", `/api/v1/webhooks/${created.id}`);
			return created;
		},
	);
	server.get(
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams } },
		async (request) => {
			requireSuperuser(request);
			return app.webhooks.get((request.params as { id: string }).id);
		},
	);
	server.patch(
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams, body: webhookPatchSchema } },
		async (request) => {
			requireSuperuser(request);
			return app.webhooks.update(
				(request.params as { id: string }).id,
				request.body as WebhookInput,
				actorOf(request),
			);
		},
	);
	server.delete(
		"/api/v1/webhooks/:id",
		{ schema: { params: idParams } },
		async (request, reply) => {
			requireSuperuser(request);
			await app.webhooks.remove(
				(request.params as { id: string }).id,
				actorOf(request),
			);
			return reply.code(204).send();
		},
	);
	server.get(
		"/api/v1/webhooks/:id/deliveries",
		{ schema: { params: idParams } },
		async (request) => {
			requireSuperuser(request);
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
			requireSuperuser(request);
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
