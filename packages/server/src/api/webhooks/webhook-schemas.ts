import { deliveryStatuses } from "../../core/webhooks/index.js";
import type { Schema } from "../openapi/route-schema.js";

const properties = {
	url: {
		type: "string",
		minLength: 1,
		maxLength: 2048,
		description: "http(s) target; private and loopback addresses are refused",
	},
	events: {
		type: "array",
		maxItems: 100,
		items: { type: "string", maxLength: 200 },
		description:
			'Event patterns: "*", "<collection>.*" or "<collection>.<create|update|delete>"',
	},
	secret: {
		type: "string",
		maxLength: 256,
		description:
			"Signing secret (at least 16 characters); generated if left out",
	},
	active: { type: "boolean" },
	includeEncrypted: {
		type: "boolean",
		description:
			"Send the values of encrypted fields in payloads (left out by default; the delivery log then keeps them too)",
	},
} as const;

/** The body of POST /webhooks: unknown members are a 400. */
export const webhookCreateBody = {
	type: "object",
	additionalProperties: false,
	required: ["url", "events"],
	properties,
} as const;

/** The body of PATCH /webhooks/{id}: the same members, each optional. */
export const webhookPatchBody = {
	type: "object",
	additionalProperties: false,
	properties,
} as const;

/** The path of one webhook. */
export const webhookParams = {
	type: "object",
	properties: {
		id: { type: "string", maxLength: 256, description: "Webhook id" },
	},
	required: ["id"],
} as const;

const instant = { type: "string", format: "date-time" } as const;
const webhookMembers = {
	id: { type: "string" },
	url: { type: "string" },
	events: { type: "array", items: { type: "string" } },
	active: { type: "boolean" },
	includeEncrypted: { type: "boolean" },
	consecutiveFailures: {
		type: "integer",
		description: "Deliveries in a row that failed for good",
	},
	pausedReason: {
		type: ["string", "null"],
		description: "Why Basalt paused the webhook; null otherwise",
	},
	created: instant,
	updated: instant,
};
const webhookRequired = Object.keys(webhookMembers);
const secret = {
	type: "string",
	description: "Shown only here: keep it to verify signatures",
};

/** A webhook as the API shows it (core/webhooks Webhook): never its secret. */
export const webhookSchema: Schema = {
	type: "object",
	required: webhookRequired,
	properties: webhookMembers,
};

/** The answer to a create: the webhook with its secret, this once. */
export const webhookWithSecretSchema: Schema = {
	type: "object",
	required: [...webhookRequired, "secret"],
	properties: { ...webhookMembers, secret },
};

/** The answer to a PATCH: the secret only when the PATCH set one. */
export const changedWebhookSchema: Schema = {
	type: "object",
	required: webhookRequired,
	properties: { ...webhookMembers, secret },
};

const nullable = (type: string) => ({ type: [type, "null"] }) as const;

/** One delivery of a webhook (core/webhooks WebhookDelivery). */
export const deliverySchema: Schema = {
	type: "object",
	required: [
		"id",
		"webhookId",
		"event",
		"payload",
		"status",
		"attempts",
		"responseStatus",
		"latencyMs",
		"error",
		"jobId",
		"created",
		"delivered",
	],
	properties: {
		id: { type: "string" },
		webhookId: { type: "string" },
		event: { type: "string", description: "<collection>.<action>" },
		payload: {
			type: "object",
			description: "The body's members besides id and event",
			required: ["created", "collection", "record"],
			properties: {
				created: instant,
				collection: { type: "string" },
				record: { type: "object" },
				previous: {
					type: "object",
					description: "For an update, the record before it",
				},
			},
		},
		status: { type: "string", enum: [...deliveryStatuses] },
		attempts: { type: "integer" },
		responseStatus: {
			...nullable("integer"),
			description: "The last attempt's HTTP status; null when none came",
		},
		latencyMs: nullable("integer"),
		error: {
			...nullable("string"),
			description: "Why the last attempt failed",
		},
		jobId: {
			...nullable("string"),
			description: "The job that delivers it (GET /api/v1/jobs/{id})",
		},
		created: instant,
		delivered: {
			type: ["string", "null"],
			format: "date-time",
			description: "When a 2xx answer arrived",
		},
	},
};
