import { deliveryStatuses } from "../core/webhooks/index.js";
import { type ApiDocs, pageSchema, type Schema } from "./api-docs.js";

const events = {
	type: "array",
	maxItems: 100,
	items: { type: "string", maxLength: 200 },
	description:
		'Event patterns: "*", "<collection>.*" or "<collection>.<create|update|delete>"',
};
const properties = {
	url: {
		type: "string",
		minLength: 1,
		maxLength: 2048,
		description: "http(s) target; private and loopback addresses are refused",
	},
	events,
	secret: {
		type: "string",
		maxLength: 256,
		description:
			"Signing secret (at least 16 characters); generated if left out",
	},
	active: { type: "boolean" },
};

/** The body of POST /api/v1/webhooks: unknown members are a 400. */
export const webhookCreateSchema = {
	type: "object",
	additionalProperties: false,
	required: ["url", "events"],
	properties,
} as const;

/** The body of PATCH /api/v1/webhooks/{id}: the same members, each optional. */
export const webhookPatchSchema = {
	type: "object",
	additionalProperties: false,
	properties,
} as const;

const webhook: Schema = {
	type: "object",
	properties: {
		id: { type: "string" },
		url: { type: "string" },
		events: { type: "array", items: { type: "string" } },
		active: { type: "boolean" },
		consecutiveFailures: { type: "integer" },
		pausedReason: { type: ["string", "null"] },
		created: { type: "string", format: "date-time" },
		updated: { type: "string", format: "date-time" },
	},
};
const withSecret: Schema = {
	...webhook,
	properties: {
		...(webhook.properties as Schema),
		secret: {
			type: "string",
			description: "Shown only here: keep it to verify signatures",
		},
	},
};
const delivery: Schema = {
	type: "object",
	properties: {
		id: { type: "string" },
		webhookId: { type: "string" },
		event: { type: "string" },
		payload: { type: "object" },
		status: { type: "string", enum: [...deliveryStatuses] },
		attempts: { type: "integer" },
		responseStatus: { type: ["integer", "null"] },
		latencyMs: { type: ["integer", "null"] },
		error: { type: ["string", "null"] },
		jobId: { type: ["string", "null"] },
		created: { type: "string", format: "date-time" },
		delivered: { type: ["string", "null"] },
	},
};

/** Adds the webhooks API to the OpenAPI document. */
export function describeWebhookRoutes(docs: ApiDocs): void {
	const base = { tag: "webhooks", auth: true } as const;
	const path = (name: string) => ({
		name,
		in: "path",
		required: true,
		schema: { type: "string" },
	});
	const query = (name: string, schema: Schema) => ({
		name,
		in: "query",
		required: false,
		schema,
	});
	const list = (items: Schema) => ({
		type: "object",
		properties: { items: { type: "array", items } },
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/webhooks",
		summary: "List webhooks (without secrets)",
		responses: {
			"200": { description: "All webhooks", schema: list(webhook) },
		},
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/webhooks",
		summary:
			"Create a webhook; the answer is the only time the secret is shown",
		requestBody: webhookCreateSchema,
		responses: {
			"201": { description: "Created", schema: withSecret },
			"422": { description: "Refused URL, unknown event or weak secret" },
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/webhooks/{id}",
		summary: "Get a webhook",
		parameters: [path("id")],
		responses: { "200": { description: "The webhook", schema: webhook } },
	});
	docs.add({
		...base,
		method: "patch",
		path: "/api/v1/webhooks/{id}",
		summary: "Change a webhook; active: true resumes a paused one",
		parameters: [path("id")],
		requestBody: webhookPatchSchema,
		responses: {
			"200": {
				description: "Changed (with the secret if this call set it)",
				schema: withSecret,
			},
			"422": { description: "Refused URL, unknown event or weak secret" },
		},
	});
	docs.add({
		...base,
		method: "delete",
		path: "/api/v1/webhooks/{id}",
		summary: "Delete a webhook and its deliveries",
		parameters: [path("id")],
		responses: { "204": { description: "Deleted" } },
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/webhooks/{id}/deliveries",
		summary: "A webhook's deliveries, newest first",
		parameters: [
			path("id"),
			query("status", { type: "string", enum: [...deliveryStatuses] }),
			query("page", { type: "integer", minimum: 1 }),
			query("perPage", { type: "integer", minimum: 1, maximum: 500 }),
		],
		responses: {
			"200": {
				description: "A page of deliveries",
				schema: pageSchema(delivery),
			},
		},
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver",
		summary: "Send a delivery's payload again, as a new delivery",
		parameters: [path("id"), path("deliveryId")],
		responses: {
			"202": { description: "The new delivery, queued", schema: delivery },
		},
	});
}
