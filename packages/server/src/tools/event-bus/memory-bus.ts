import type { BusHandler, EventBus } from "./event-bus.js";

/**
 * Creates the bus of a single process: messages go to this process's subscribers, on a
 * later tick (as they would over a network, so no publisher depends on a handler
 * running inside its own call). Several Apps in one process (tests) may share one to
 * play several nodes.
 */
export function createMemoryEventBus(): EventBus {
	const handlers = new Map<string, Set<BusHandler>>();
	return {
		kind: "memory",
		connected: true,
		async publish(channel, message) {
			const listening = [...(handlers.get(channel) ?? [])];
			if (listening.length > 0)
				setImmediate(() => {
					for (const handler of listening) handler(message);
				});
			return listening.length;
		},
		async subscribe(channel, handler) {
			let set = handlers.get(channel);
			if (!set) {
				set = new Set();
				handlers.set(channel, set);
			}
			// One entry per subscription, even for the same function twice.
			const own: BusHandler = (message) => handler(message);
			set.add(own);
			return async () => {
				set.delete(own);
			};
		},
		onConnectionChange() {},
		async close() {
			handlers.clear();
		},
	};
}
