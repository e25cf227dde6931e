import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Executor } from "../db/index.js";
import type { JobsService } from "../jobs/index.js";
import type { DeliveryStore } from "./delivery-store.js";
import type { DeliveryPayload } from "./webhook-types.js";

/** The job that sends one delivery. */
export const DELIVER_JOB = "basalt.webhook.deliver";

/** What one delivery to enqueue says. */
export interface DeliveryRequest {
	webhookId: string;
	event: string;
	payload: DeliveryPayload;
}

/**
 * Creates the function that adds deliveries: a pending `_webhook_deliveries` row and
 * its `basalt.webhook.deliver` job each, both in `trx`. Inside a record write's
 * transaction that is the transactional outbox: no delivery without the write, no
 * write without its deliveries.
 */
export function createDeliveryEnqueuer(deps: {
	jobs: JobsService;
	deliveries: DeliveryStore;
	newId: IdGenerator;
	clock: Clock;
	/** The job queue deliveries go to. */
	queue: string;
	maxAttempts: number;
}) {
	return async function enqueueDeliveries(
		trx: Executor,
		requests: readonly DeliveryRequest[],
	): Promise<string[]> {
		const created = deps.clock().toISOString();
		const rows = [];
		for (const request of requests) {
			const id = deps.newId();
			const job = await deps.jobs.enqueue(
				{
					name: DELIVER_JOB,
					payload: { deliveryId: id },
					options: { queue: deps.queue, maxAttempts: deps.maxAttempts },
				},
				trx,
			);
			rows.push({ ...request, id, jobId: job.id, created });
		}
		await deps.deliveries.insert(trx, rows);
		return rows.map((row) => row.id);
	};
}

/** Adds deliveries and their jobs in a transaction; returns the new delivery ids. */
export type DeliveryEnqueuer = ReturnType<typeof createDeliveryEnqueuer>;
