import { Counter, type Registry } from "prom-client";

/** How a delivery attempt ended, as the metrics count it. */
export type DeliveryOutcome = "success" | "failure" | "retry" | "paused";

const OUTCOMES: readonly DeliveryOutcome[] = [
	"success",
	"failure",
	"retry",
	"paused",
];

/** The webhook metrics of one App. */
export interface WebhookMetrics {
	/** Counts one delivery outcome. */
	delivered(outcome: DeliveryOutcome): void;
}

/**
 * The webhook metrics: delivery attempts by outcome. `success` and `retry` are
 * attempts, `failure` a delivery that failed for good, `paused` a webhook paused
 * after repeated failures.
 */
export function createWebhookMetrics(register: Registry): WebhookMetrics {
	const deliveries = new Counter({
		name: "basalt_webhook_deliveries_total",
		help: "Webhook delivery attempts by outcome: success, retry (will be tried again), failure (failed for good), paused (the webhook was paused).",
		labelNames: ["outcome"] as const,
		registers: [register],
	});
	for (const outcome of OUTCOMES) deliveries.inc({ outcome }, 0);
	return {
		delivered(outcome: DeliveryOutcome): void {
			deliveries.inc({ outcome });
		},
	};
}
