/**
 * Webhooks (docs/webhooks.md#managing-webhooks-superusers): what a subscription is,
 * what one delivery of it records, and what a superuser sends to create or change one.
 */

/** A webhook as the API shows it; the secret is never part of it. */
export interface Webhook {
	id: string;
	url: string;
	/** Event patterns: `*`, `<collection>.*` or `<collection>.<create|update|delete>`. */
	events: string[];
	active: boolean;
	/** Whether payloads carry encrypted fields' values (left out otherwise). */
	includeEncrypted: boolean;
	/** Deliveries in a row that failed for good; reset by a success or a reactivation. */
	consecutiveFailures: number;
	/** Why Basalt paused the webhook; null while active or deactivated by hand. */
	pausedReason: string | null;
	created: string;
	updated: string;
}

/** A webhook with its secret in clear: the answer to a create, or a PATCH that sets one. */
export type WebhookWithSecret = Webhook & { secret: string };

/** Where a delivery is: still being tried, done, or given up. */
export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** Every delivery status, for validating filters. */
export const deliveryStatuses: readonly DeliveryStatus[] = [
	"pending",
	"succeeded",
	"failed",
];

/** One event sent (or being sent) to one webhook, with the outcome of its last attempt. */
export interface WebhookDelivery {
	id: string;
	webhookId: string;
	/** `<collection>.<action>`, e.g. `posts.create`. */
	event: string;
	/** The body's members besides `id` and `event`: `created`, `collection`, `record`, `previous`. */
	payload: DeliveryPayload;
	status: DeliveryStatus;
	/** Attempts made so far. */
	attempts: number;
	/** The HTTP status of the last attempt; null when no response came. */
	responseStatus: number | null;
	/** Milliseconds the last attempt took, response included. */
	latencyMs: number | null;
	/** Why the last attempt failed (for a non-2xx, the start of the response body). */
	error: string | null;
	/** The job that delivers it (see GET /api/v1/jobs/{id}). */
	jobId: string | null;
	created: string;
	/** When a 2xx response arrived. */
	delivered: string | null;
}

/** What a delivery's body says about the change, stored so a redelivery sends the same. */
export interface DeliveryPayload {
	/** When the change was written. */
	created: string;
	collection: string;
	record: Record<string, unknown>;
	/** For an update, the record before it. */
	previous?: Record<string, unknown>;
}

/** The members of POST /api/v1/webhooks (all of them optional in a PATCH). */
export interface WebhookInput {
	url?: string;
	events?: string[];
	secret?: string;
	active?: boolean;
	includeEncrypted?: boolean;
}

/** The members of a create: `url` and `events` are required. */
export type NewWebhookInput = WebhookInput & { url: string; events: string[] };

/** Filters and paging of GET /api/v1/webhooks/{id}/deliveries. */
export interface DeliveryFilter {
	status?: DeliveryStatus | undefined;
	page: number;
	perPage: number;
}

/** A page of a webhook's deliveries, and how many match in all. */
export interface DeliveryPage {
	items: WebhookDelivery[];
	totalItems: number;
}
