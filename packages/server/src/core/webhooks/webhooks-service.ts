import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import { createAddressPolicy } from "../../tools/ssrf/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import type { Sealer } from "../encryption/index.js";
import { AppError } from "../errors/index.js";
import type { JobsService } from "../jobs/index.js";
import type { RecordChangeSink } from "../records/index.js";
import {
	createDeliveryHandler,
	createLostDeliveryHandler,
	type DeliveryHandlerDeps,
	type DeliveryOutcome,
} from "./deliver-webhook.js";
import { createDeliveryStore } from "./delivery-store.js";
import { createDeliveryEnqueuer, DELIVER_JOB } from "./enqueue-delivery.js";
import { checkWebhookInput } from "./webhook-input.js";
import { generateSecret, sealSecret } from "./webhook-secret.js";
import { createWebhookSink } from "./webhook-sink.js";
import { createWebhookStore, type WebhookChanges } from "./webhook-store.js";
import type {
	DeliveryFilter,
	DeliveryPage,
	NewWebhookInput,
	Webhook,
	WebhookDelivery,
	WebhookInput,
	WebhookWithSecret,
} from "./webhook-types.js";

/** How webhooks behave; from BASALT_SSRF_ALLOW and BASALT_WEBHOOK_*. */
export interface WebhookSettings {
	/** Hosts and CIDRs webhooks may reach although private or loopback. */
	ssrfAllow: readonly string[];
	timeoutMs: number;
	pauseAfter: number;
	maxAttempts: number;
}

/** What the webhooks service is built from. */
export interface WebhooksServiceDeps {
	db: Database;
	jobs: JobsService;
	registry: CollectionRegistry;
	/** Seals and opens the secrets kept in the database. */
	sealer: Sealer;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	settings: WebhookSettings;
	/** Hears how each delivery attempt ended (the metrics). */
	countDelivery?: (outcome: DeliveryOutcome) => void;
}

/** Webhooks: subscriptions superusers manage, and the log of their deliveries. */
export interface WebhooksService {
	/** Hears record writes and enqueues their deliveries in the same transaction. */
	readonly changeSink: RecordChangeSink;
	/** Deletes the log of finished deliveries older than `before` (the retention purge). */
	purgeDeliveries(before: Date): Promise<number>;
	/** Loads the active webhooks into the cache the change sink reads; call at start. */
	load(): Promise<void>;
	/** Creates a webhook; the answer is the only time its secret is shown. */
	create(
		input: NewWebhookInput,
		actor: string | null,
	): Promise<WebhookWithSecret>;
	/** Every webhook, oldest first, without secrets. */
	list(): Promise<Webhook[]>;
	/** Gets a webhook or throws WEBHOOK_NOT_FOUND. */
	get(id: string): Promise<Webhook>;
	/** Changes a webhook; the answer shows the secret only if this call set it. */
	update(
		id: string,
		input: WebhookInput,
		actor: string | null,
	): Promise<Webhook | WebhookWithSecret>;
	/** Deletes a webhook with its deliveries; pending jobs then find nothing to send. */
	remove(id: string, actor: string | null): Promise<void>;
	/** A webhook's deliveries, newest first. */
	listDeliveries(
		webhookId: string,
		filter: DeliveryFilter,
	): Promise<DeliveryPage>;
	/** Sends a delivery's payload again as a new delivery, newly signed. */
	redeliver(webhookId: string, deliveryId: string): Promise<WebhookDelivery>;
}

/**
 * Webhooks (docs/webhooks.md): subscriptions managed by superusers, deliveries enqueued
 * in the transaction of the record write that causes them, sent signed by the job
 * queue, retried, logged, and paused after repeated failure instead of dropped.
 */
export function createWebhooksService(
	deps: WebhooksServiceDeps,
): WebhooksService {
	const { settings } = deps;
	const now = () => deps.clock().toISOString();
	const policy = createAddressPolicy(settings.ssrfAllow);
	const store = createWebhookStore(deps.db);
	const deliveries = createDeliveryStore(deps.db);
	const enqueue = createDeliveryEnqueuer({
		jobs: deps.jobs,
		deliveries,
		newId: deps.newId,
		clock: deps.clock,
		// BASALT_QUEUES may leave the webhooks queue out; deliveries then share default.
		queue: "webhooks" in deps.jobs.settings.queues ? "webhooks" : "default",
		maxAttempts: settings.maxAttempts,
	});
	const cache = createWebhookSink({
		store,
		enqueue,
		encryptedFields: (name) =>
			deps.registry
				.find(name)
				?.fields.filter((f) => f.type === "encrypted")
				.map((f) => f.name) ?? [],
		clock: deps.clock,
		logger: deps.logger,
	});
	const handlerDeps: DeliveryHandlerDeps = {
		webhooks: store,
		deliveries,
		sealer: deps.sealer,
		policy,
		timeoutMs: settings.timeoutMs,
		pauseAfter: settings.pauseAfter,
		clock: deps.clock,
		logger: deps.logger,
		countDelivery: deps.countDelivery ?? (() => {}),
		async onPaused(id) {
			cache.forget(id);
			await cache.refresh();
		},
	};
	deps.jobs.register(DELIVER_JOB, {
		// The request's own limit, plus time for the bookkeeping around it.
		timeoutMs: settings.timeoutMs + 30_000,
		handler: createDeliveryHandler(handlerDeps),
		onLostLastAttempt: createLostDeliveryHandler(handlerDeps),
	});

	const checks = {
		policy,
		collectionExists: (name: string) => deps.registry.find(name) !== undefined,
	};

	async function get(id: string): Promise<Webhook> {
		const stored = await store.find(id);
		if (!stored) throw webhookNotFound(id);
		return stored.webhook;
	}

	/** Logs a superuser's change: the target's origin only, since paths may hold tokens. */
	function audit(message: string, webhook: Webhook, actor: string | null) {
		deps.logger.info(
			{
				webhookId: webhook.id,
				target: new URL(webhook.url).origin,
				events: webhook.events,
				active: webhook.active,
				actor,
			},
			message,
		);
	}

	async function create(
		input: NewWebhookInput,
		actor: string | null,
	): Promise<WebhookWithSecret> {
		const checked = await checkWebhookInput(input, checks);
		const id = deps.newId();
		const secret = checked.secret ?? generateSecret();
		const { webhook } = await store.insert({
			id,
			url: input.url,
			events: checked.events ?? input.events,
			sealedSecret: sealSecret(deps.sealer, id, secret),
			active: input.active ?? true,
			includeEncrypted: input.includeEncrypted ?? false,
			now: now(),
		});
		await cache.refresh();
		audit("webhook created", webhook, actor);
		return { ...webhook, secret };
	}

	async function update(
		id: string,
		input: WebhookInput,
		actor: string | null,
	): Promise<Webhook | WebhookWithSecret> {
		const before = await get(id);
		const checked = await checkWebhookInput(input, checks);
		const changes: WebhookChanges = {
			url: checked.url,
			events: checked.events,
			active: checked.active,
			includeEncrypted: checked.includeEncrypted,
		};
		if (checked.secret !== undefined)
			changes.sealedSecret = sealSecret(deps.sealer, id, checked.secret);
		// Turning a paused webhook back on starts its failure count afresh.
		if (checked.active === true && !before.active) {
			changes.consecutiveFailures = 0;
			changes.pausedReason = null;
		}
		const stored = await store.update(id, changes, now());
		if (!stored) throw webhookNotFound(id);
		await cache.refresh();
		audit("webhook changed", stored.webhook, actor);
		return checked.secret === undefined
			? stored.webhook
			: { ...stored.webhook, secret: checked.secret };
	}

	async function remove(id: string, actor: string | null): Promise<void> {
		const webhook = await get(id);
		if (!(await store.remove(id))) throw webhookNotFound(id);
		cache.forget(id);
		await cache.refresh();
		audit("webhook deleted", webhook, actor);
	}

	async function listDeliveries(webhookId: string, filter: DeliveryFilter) {
		await get(webhookId);
		return deliveries.list(webhookId, filter);
	}

	async function redeliver(
		webhookId: string,
		deliveryId: string,
	): Promise<WebhookDelivery> {
		await get(webhookId);
		const original = await deliveries.find(deliveryId);
		if (!original || original.webhookId !== webhookId)
			throw new AppError("DELIVERY_NOT_FOUND", {
				detail: `Webhook "${webhookId.slice(0, 64)}" has no delivery "${deliveryId.slice(0, 64)}".`,
			});
		const [id] = await deps.db.kysely
			.transaction()
			.execute((trx) =>
				enqueue(trx, [
					{ webhookId, event: original.event, payload: original.payload },
				]),
			);
		const created = id === undefined ? undefined : await deliveries.find(id);
		if (!created) throw new Error("the new delivery was not stored");
		return created;
	}

	return {
		changeSink: cache.sink,
		purgeDeliveries: (before: Date) =>
			deliveries.purgeFinished(before.toISOString()),
		load: () => cache.refresh(),
		create,
		list: () => store.list(),
		get,
		update,
		remove,
		listDeliveries,
		redeliver,
	};
}

function webhookNotFound(id: string): AppError {
	return new AppError("WEBHOOK_NOT_FOUND", {
		detail: `No webhook "${id.slice(0, 64)}".`,
	});
}
