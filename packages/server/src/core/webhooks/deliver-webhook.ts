import { coerceError } from "../../tools/errors/index.js";
import type { Logger } from "../../tools/logger/index.js";
import {
	type AddressPolicy,
	isSsrfError,
	safeRequest,
} from "../../tools/ssrf/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Sealer } from "../encryption/index.js";
import { type Job, type JobHandler, PermanentJobError } from "../jobs/index.js";
import type { DeliveryStore } from "./delivery-store.js";
import { openSecret } from "./webhook-secret.js";
import { signatureHeader } from "./webhook-signature.js";
import type { WebhookStore } from "./webhook-store.js";
import type { Webhook, WebhookDelivery } from "./webhook-types.js";

/** What the delivery job needs. */
export interface DeliveryHandlerDeps {
	webhooks: WebhookStore;
	deliveries: DeliveryStore;
	/** Seals and opens the secrets kept in the database. */
	sealer: Sealer;
	policy: AddressPolicy;
	/** Limit of one request: DNS, connect, response and (capped) body. */
	timeoutMs: number;
	/** Deliveries in a row that fail for good before the webhook is paused. */
	pauseAfter: number;
	clock: Clock;
	logger: Logger;
	/** Called after a webhook was paused, so writes stop creating deliveries for it. */
	onPaused(webhookId: string): Promise<void>;
	/** Hears how each delivery attempt ended (the metrics). */
	countDelivery(outcome: DeliveryOutcome): void;
}

/**
 * How a delivery attempt ended: sent, failed and to be retried, failed for good; and
 * `paused` when a failure paused its webhook.
 */
export type DeliveryOutcome = "success" | "retry" | "failure" | "paused";

/** How one HTTP attempt ended. */
type AttemptResult =
	| { ok: true; status: number; latencyMs: number }
	| { ok: false; status: number | null; latencyMs: number; error: string };

/** Response bytes kept in a failed delivery's `error`: enough to see what went wrong. */
const EXCERPT_BYTES = 1024;

/**
 * Creates the handler of `basalt.webhook.deliver`: one signed POST of a delivery per
 * attempt. A 2xx completes it; anything else (network error, timeout, non-2xx, a
 * redirect, which is never followed) throws so the queue retries with backoff. The
 * last attempt's failure marks the delivery failed and counts against the webhook,
 * which is paused after `pauseAfter` such failures in a row.
 */
export function createDeliveryHandler(deps: DeliveryHandlerDeps): JobHandler {
	return async function deliverWebhook({ job, attempt }) {
		const { deliveryId } = (job.payload ?? {}) as { deliveryId?: unknown };
		if (typeof deliveryId !== "string")
			throw new PermanentJobError("the job names no delivery");
		const delivery = await deps.deliveries.find(deliveryId);
		if (!delivery)
			throw new PermanentJobError(
				"the delivery no longer exists (its webhook was deleted)",
			);
		// At least once: a repeated run of a finished delivery sends nothing.
		if (delivery.status === "succeeded")
			return { responseStatus: delivery.responseStatus, repeated: true };
		const stored = await deps.webhooks.find(delivery.webhookId);
		if (!stored) throw new PermanentJobError("the webhook no longer exists");
		if (!stored.webhook.active) {
			const why = stored.webhook.pausedReason
				? "the webhook is paused"
				: "the webhook is inactive";
			await deps.deliveries.markFailed(delivery.id, why);
			deps.countDelivery("failure");
			throw new PermanentJobError(why);
		}
		let secret: string;
		try {
			secret = openSecret(deps.sealer, stored.webhook.id, stored.sealedSecret);
		} catch (err: unknown) {
			// Only another master key makes this fail, and retrying will not change it.
			const why =
				"the webhook's secret cannot be decrypted with this master key";
			await deps.deliveries.markFailed(delivery.id, why);
			deps.countDelivery("failure");
			throw new PermanentJobError(why, { cause: err });
		}
		const result = await send(deps, stored.webhook, secret, delivery);
		if (result.ok) {
			await deps.deliveries.recordAttempt(delivery.id, {
				status: "succeeded",
				responseStatus: result.status,
				latencyMs: result.latencyMs,
				error: null,
				delivered: deps.clock().toISOString(),
			});
			await deps.webhooks.resetFailures(stored.webhook.id);
			deps.countDelivery("success");
			return { responseStatus: result.status, latencyMs: result.latencyMs };
		}
		const last = attempt >= job.maxAttempts;
		await deps.deliveries.recordAttempt(delivery.id, {
			status: last ? "failed" : "pending",
			responseStatus: result.status,
			latencyMs: result.latencyMs,
			error: result.error,
			delivered: null,
		});
		deps.countDelivery(last ? "failure" : "retry");
		if (last) await countFailure(deps, stored.webhook.id, result.error);
		throw new Error(result.error);
	};
}

/**
 * Closes a delivery whose last attempt died with its worker (the queue fails the job
 * without running the handler again): the delivery is marked failed and the failure
 * counts against the webhook, as a failed last attempt would.
 */
export function createLostDeliveryHandler(deps: DeliveryHandlerDeps) {
	return async function closeLostDelivery(
		job: Job,
		error: string,
	): Promise<void> {
		const { deliveryId } = (job.payload ?? {}) as { deliveryId?: unknown };
		if (typeof deliveryId !== "string") return;
		const delivery = await deps.deliveries.find(deliveryId);
		if (delivery?.status !== "pending") return;
		await deps.deliveries.recordAttempt(delivery.id, {
			status: "failed",
			responseStatus: null,
			latencyMs: null,
			error,
			delivered: null,
		});
		deps.countDelivery("failure");
		await countFailure(deps, delivery.webhookId, error);
	};
}

/** Signs and POSTs the delivery's body once. */
async function send(
	deps: DeliveryHandlerDeps,
	webhook: Webhook,
	secret: string,
	delivery: WebhookDelivery,
): Promise<AttemptResult> {
	const body = JSON.stringify({
		id: delivery.id,
		event: delivery.event,
		...delivery.payload,
	});
	const t = Math.floor(deps.clock().getTime() / 1000);
	const started = performance.now();
	const elapsed = () => Math.round(performance.now() - started);
	try {
		const response = await safeRequest(
			webhook.url,
			{
				method: "POST",
				headers: {
					"content-type": "application/json",
					"user-agent": "Basalt-Webhooks/1",
					"basalt-event": delivery.event,
					"basalt-delivery": delivery.id,
					"basalt-signature": signatureHeader(secret, body, t),
				},
				body,
				timeoutMs: deps.timeoutMs,
				maxBodyBytes: EXCERPT_BYTES,
			},
			deps.policy,
		);
		const latencyMs = elapsed();
		const { status } = response;
		if (status >= 200 && status < 300) return { ok: true, status, latencyMs };
		return { ok: false, status, latencyMs, error: describeStatus(response) };
	} catch (err: unknown) {
		return {
			ok: false,
			status: null,
			latencyMs: elapsed(),
			error: describeFailure(err, deps.timeoutMs),
		};
	}
}

/** Says why a response is a failure, with the start of its body. */
function describeStatus(response: { status: number; body: Buffer }): string {
	const redirect =
		response.status >= 300 && response.status < 400
			? " (redirects are not followed)"
			: "";
	const excerpt = response.body.toString("utf8").trim();
	return `HTTP ${response.status}${redirect}${excerpt ? `: ${excerpt}` : ""}`;
}

/** Says why a request failed before a response came. */
function describeFailure(err: unknown, timeoutMs: number): string {
	if (isSsrfError(err)) return `refused: ${err.reason}`;
	const error = coerceError(err);
	if (error.name === "TimeoutError")
		return `no response within ${timeoutMs} ms`;
	return error.message || error.name;
}

/** Counts a delivery that failed for good; pauses the webhook at the threshold. */
async function countFailure(
	deps: DeliveryHandlerDeps,
	webhookId: string,
	error: string,
): Promise<void> {
	const reason = `paused after ${deps.pauseAfter} consecutive failed deliveries; the last: ${error.slice(0, 200)}`;
	const paused = await deps.webhooks.recordFailure(
		webhookId,
		deps.pauseAfter,
		reason,
		deps.clock().toISOString(),
	);
	if (!paused) return;
	deps.countDelivery("paused");
	deps.logger.warn(
		{ webhookId, failures: deps.pauseAfter, error: error.slice(0, 200) },
		"webhook paused after consecutive failed deliveries",
	);
	await deps.onPaused(webhookId);
}
