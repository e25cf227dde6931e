export { DELIVER_JOB } from "./enqueue-delivery.js";
export { signatureHeader } from "./webhook-signature.js";
export {
	type DeliveryFilter,
	type DeliveryPage,
	type DeliveryPayload,
	type DeliveryStatus,
	deliveryStatuses,
	type NewWebhookInput,
	type Webhook,
	type WebhookDelivery,
	type WebhookInput,
	type WebhookWithSecret,
} from "./webhook-types.js";
export {
	createWebhooksService,
	type WebhookSettings,
	type WebhooksService,
	type WebhooksServiceDeps,
} from "./webhooks-service.js";
