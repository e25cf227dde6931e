/** Hears one message of a channel. Must not throw; errors are the handler's to log. */
export type BusHandler = (message: string) => void;

/**
 * Carries small messages between the nodes of one deployment (docs/scale-out.md#the-event-bus):
 * schema changes, account changes, and later realtime events. Delivery is at most
 * once and only to nodes connected when the message is published; a node that was
 * away must catch up by other means (it re-reads what it keeps when the bus comes
 * back). Messages of one channel arrive in the order one publisher sent them.
 *
 * Implementations: createMemoryEventBus (one process) and createRedisEventBus (Redis
 * pub/sub, every node of a deployment).
 */
export interface EventBus {
	/** `memory` or `redis`: for logs and readiness. */
	readonly kind: "memory" | "redis";
	/**
	 * Sends `message` on `channel`; resolves with the number of subscriptions that
	 * received it (this node's own included), so a sender can wait for answers.
	 * Rejects when the bus is unreachable.
	 */
	publish(channel: string, message: string): Promise<number>;
	/**
	 * Hears every message of `channel` from now on, this node's own included; resolves
	 * once the subscription is in place, with the function that ends it.
	 */
	subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
	/**
	 * Hears the bus going away and coming back (`false`, then `true`): a node that was
	 * away may have missed messages.
	 */
	onConnectionChange(listener: (connected: boolean) => void): void;
	/** Whether the bus is connected now. */
	readonly connected: boolean;
	/** Ends every subscription and releases the connections the bus made. */
	close(): Promise<void>;
}
