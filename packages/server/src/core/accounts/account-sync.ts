import { randomUUID } from "node:crypto";
import type { EventBus } from "../../tools/event-bus/index.js";
import type { Logger } from "../../tools/logger/index.js";

/** Where a node tells the others which accounts it changed. */
export interface AccountSync {
	/** Tells the other nodes an account changed (fire and forget: never waits). */
	announce(collectionId: string, id: string): void;
	/**
	 * Starts hearing the other nodes' announcements: `forget` for each account, and
	 * `forgetAll` when the bus comes back after an outage (changes may have been missed).
	 */
	start(listener: {
		forget(collectionId: string, id: string): void;
		forgetAll(): void;
	}): Promise<void>;
	stop(): Promise<void>;
}

const CHANNEL = "accounts";

/**
 * Creates account sync over the event bus (docs/scale-out.md#the-event-bus): each
 * node keeps the signed-in accounts of recent requests, and a change on one node
 * (a password change, a deletion, a new token key) must end the sessions it ends on
 * every node within one trip over the bus, not after the cache's lifetime.
 */
export function createAccountSync(deps: {
	bus: EventBus;
	logger: Logger;
}): AccountSync {
	const { bus, logger } = deps;
	const node = randomUUID();
	const stops: (() => Promise<void>)[] = [];
	let warned = false;
	return {
		announce(collectionId, id) {
			const message = JSON.stringify({ from: node, collectionId, id });
			bus.publish(CHANNEL, message).then(
				() => {
					warned = false;
				},
				(err: unknown) => {
					if (warned) return;
					warned = true;
					logger.warn(
						{ err },
						"account sync: the event bus is unreachable; other nodes forget changed accounts when it is back",
					);
				},
			);
		},
		async start(listener) {
			stops.push(
				await bus.subscribe(CHANNEL, (text) => {
					let message: { from?: unknown; collectionId?: unknown; id?: unknown };
					try {
						message = JSON.parse(text);
					} catch {
						return;
					}
					if (
						message.from !== node &&
						typeof message.collectionId === "string" &&
						typeof message.id === "string"
					)
						listener.forget(message.collectionId, message.id);
				}),
			);
			bus.onConnectionChange((connected) => {
				if (connected) listener.forgetAll();
			});
		},
		async stop() {
			for (const stop of stops.splice(0)) await stop();
		},
	};
}
