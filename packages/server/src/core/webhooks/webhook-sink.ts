import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import {
	omitFields,
	type RecordChange,
	type RecordChangeSink,
} from "../records/index.js";
import type { DeliveryEnqueuer } from "./enqueue-delivery.js";
import { eventName, matchesEvent } from "./event-patterns.js";
import type { ActiveWebhook, WebhookStore } from "./webhook-store.js";

/**
 * How old the cache may get before a write triggers a reload. Another node's webhook
 * changes reach this node's cache within about this long; this node's own changes
 * reload it at once.
 */
const MAX_CACHE_AGE_MS = 5000;

/**
 * Creates the record change sink that turns writes into webhook deliveries. Every
 * write asks `wants`, so it answers from an in-memory cache of the active webhooks:
 * a write nobody listens to costs a set lookup, never a query. A write somebody
 * listens to re-reads those webhooks in its own transaction (locking them on
 * PostgreSQL), so a webhook paused or deleted a moment ago, on any node, gets no
 * delivery and cannot fail the write.
 */
export function createWebhookSink(deps: {
	store: WebhookStore;
	enqueue: DeliveryEnqueuer;
	/**
	 * The encrypted fields of a collection: left out of the payloads of webhooks
	 * that did not opt in with `includeEncrypted`, since a payload is kept in the
	 * delivery log and sent to another server (docs/webhooks.md#what-is-sent).
	 */
	encryptedFields(collection: string): readonly string[];
	clock: Clock;
	logger: Logger;
}) {
	let active: ActiveWebhook[] = [];
	let listensToAll = false;
	let collections = new Set<string>();
	let loadedAt = Number.NEGATIVE_INFINITY;
	let requested = 0;
	let applied = 0;
	let backgroundLoad: Promise<void> | undefined;

	function use(webhooks: ActiveWebhook[]): void {
		active = webhooks;
		listensToAll = webhooks.some((w) => w.events.includes("*"));
		collections = new Set(
			webhooks.flatMap((w) =>
				w.events.filter((e) => e !== "*").map((e) => e.split(".")[0] as string),
			),
		);
	}

	/** Reloads the cache; a load that finishes after a newer one is dropped. */
	async function refresh(): Promise<void> {
		const generation = ++requested;
		const webhooks = await deps.store.listActive();
		if (generation < applied) return;
		applied = generation;
		loadedAt = performance.now();
		use(webhooks);
	}

	function refreshIfStale(): void {
		if (backgroundLoad || performance.now() - loadedAt < MAX_CACHE_AGE_MS)
			return;
		backgroundLoad = refresh()
			.catch((err: unknown) =>
				deps.logger.warn({ err }, "reloading the webhook cache failed"),
			)
			.finally(() => {
				backgroundLoad = undefined;
			});
	}

	const sink: RecordChangeSink = {
		wants(collection) {
			refreshIfStale();
			return listensToAll || collections.has(collection);
		},
		async record(change: RecordChange, trx) {
			const candidates = active.filter((w) =>
				matchesEvent(w.events, change.collection, change.action),
			);
			if (candidates.length === 0) return;
			// The cache may be a few seconds behind another node: the rows decide.
			const current = await deps.store.findActive(
				trx,
				candidates.map((w) => w.id),
			);
			const targets = current.filter((w) =>
				matchesEvent(w.events, change.collection, change.action),
			);
			if (targets.length === 0) return;
			const payloadOf = (names: readonly string[]) => ({
				created: deps.clock().toISOString(),
				collection: change.collection,
				record: omitFields(change.record, names),
				...(change.previous
					? { previous: omitFields(change.previous, names) }
					: {}),
			});
			const full = payloadOf([]);
			const sealed = payloadOf(deps.encryptedFields(change.collection));
			const event = eventName(change.collection, change.action);
			await deps.enqueue(
				trx,
				targets.map((w) => ({
					webhookId: w.id,
					event,
					payload: w.includeEncrypted ? full : sealed,
				})),
			);
		},
	};

	return {
		sink,
		refresh,
		/** Drops a webhook from the cache at once, before the reload that follows. */
		forget(id: string): void {
			use(active.filter((w) => w.id !== id));
		},
	};
}

/** The webhooks' change sink with its cache. */
export type WebhookSink = ReturnType<typeof createWebhookSink>;
