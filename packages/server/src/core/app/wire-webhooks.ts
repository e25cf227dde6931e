import type { JobsService } from "../jobs/index.js";
import {
	createWebhooksService,
	type WebhooksService,
} from "../webhooks/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Webhooks and their deliveries. */
export interface WebhooksArea {
	webhooks: WebhooksService;
	contribution: AreaContribution;
}

/**
 * Wires webhooks: a change sink enqueues deliveries in the transaction of the write
 * that causes them; the active webhooks are loaded at start; old delivery logs are
 * purged after the retention period.
 */
export function wireWebhooks(
	shared: SharedParts,
	uses: { jobs: JobsService },
): WebhooksArea {
	const { config, metrics } = shared;
	const webhooks = createWebhooksService({
		db: shared.db,
		jobs: uses.jobs,
		registry: shared.registry,
		sealer: shared.dataKeys,
		newId: shared.newId,
		clock: shared.clock,
		logger: shared.logger,
		settings: {
			ssrfAllow: config.outbound.ssrfAllow,
			...config.outbound.webhooks,
		},
		countDelivery: (outcome) => metrics.webhooks.delivered(outcome),
	});
	return {
		webhooks,
		contribution: {
			changeSinks: [webhooks.changeSink],
			purgeSteps: [
				{ name: "webhookDeliveries", run: (c) => webhooks.purgeDeliveries(c) },
			],
			start: () => webhooks.load(),
		},
	};
}
