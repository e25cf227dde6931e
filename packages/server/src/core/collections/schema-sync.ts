import { randomUUID } from "node:crypto";
import type { EventBus } from "../../tools/event-bus/index.js";
import type { Logger } from "../../tools/logger/index.js";

/** Keeps every node's collections in step with schema changes made on any node. */
export interface SchemaSync {
	/**
	 * Tells every other node that the schema changed (after the change committed) and
	 * waits until each has loaded it, or `ackTimeoutMs` passed.
	 */
	announce(): Promise<void>;
	/** Starts hearing other nodes' changes; the App calls it at start. */
	start(): Promise<void>;
	/** Stops hearing them. */
	stop(): Promise<void>;
}

/** What schema sync is built from. */
export interface SchemaSyncDeps {
	bus: EventBus;
	/** Loads the collections from the database again. */
	reload(): Promise<void>;
	logger: Logger;
	/** How long a change waits for the other nodes' confirmations. Default 2000. */
	ackTimeoutMs?: number;
}

const CHANGES = "schema";
const ACKS = "schema-ack";

/** A change this node announced, waiting for the other nodes. */
interface Waiting {
	confirmed: number;
	/** How many nodes must confirm; undefined until the publish is answered. */
	expected: number | undefined;
	done: () => void;
}

interface Message {
	/** The node that sent it. */
	from: string;
	/** The change it is about. */
	change: string;
}

/**
 * Creates schema sync over the event bus (docs/scale-out.md#schema-changes). A node
 * that changed a collection publishes the change before answering; every other node
 * loads the collections again and confirms; the changing node waits for as many
 * confirmations as the bus delivered the message to, so when a client gets the
 * answer to its schema change, every reachable node already serves the new schema.
 * A node that does not confirm in time is logged, not waited for. When the bus comes
 * back after an outage, a node loads the collections again, since it may have
 * missed changes meanwhile.
 */
export function createSchemaSync(deps: SchemaSyncDeps): SchemaSync {
	const { bus, logger } = deps;
	const ackTimeoutMs = deps.ackTimeoutMs ?? 2000;
	const node = randomUUID();
	const waiting = new Map<string, Waiting>();
	const stops: (() => Promise<void>)[] = [];

	const parse = (text: string): Message | undefined => {
		try {
			const message = JSON.parse(text) as Partial<Message>;
			return typeof message.from === "string" &&
				typeof message.change === "string"
				? (message as Message)
				: undefined;
		} catch {
			return undefined;
		}
	};

	async function reloadAndConfirm(message: Message): Promise<void> {
		try {
			await deps.reload();
		} catch (err: unknown) {
			logger.error({ err }, "schema sync: loading the collections failed");
			return;
		}
		const ack: Message = { from: node, change: message.change };
		await bus.publish(ACKS, JSON.stringify(ack)).catch((err: unknown) => {
			logger.warn({ err }, "schema sync: could not confirm a change");
		});
	}

	return {
		async announce() {
			const change = randomUUID();
			const message: Message = { from: node, change };
			// Confirmations can arrive before the publish itself is answered: count them
			// from the start, and compare once the number of receivers is known.
			const entry: Waiting = {
				confirmed: 0,
				expected: undefined,
				done: () => {},
			};
			const allConfirmed = new Promise<void>((resolve) => {
				entry.done = resolve;
			});
			waiting.set(change, entry);
			try {
				// This node hears its own message too, and does not confirm it.
				entry.expected =
					(await bus.publish(CHANGES, JSON.stringify(message))) - 1;
			} catch (err: unknown) {
				waiting.delete(change);
				logger.warn(
					{ err },
					"schema sync: the event bus is unreachable; other nodes load the change when it is back",
				);
				return;
			}
			if (entry.confirmed >= entry.expected) {
				waiting.delete(change);
				return;
			}
			let timer: NodeJS.Timeout | undefined;
			const timedOut = new Promise<boolean>((resolve) => {
				timer = setTimeout(() => resolve(true), ackTimeoutMs);
			});
			const late = await Promise.race([
				allConfirmed.then(() => false),
				timedOut,
			]);
			clearTimeout(timer);
			waiting.delete(change);
			if (late)
				logger.warn(
					{ expected: entry.expected, confirmed: entry.confirmed },
					"schema sync: not every node confirmed a schema change in time",
				);
		},

		async start() {
			stops.push(
				await bus.subscribe(CHANGES, (text) => {
					const message = parse(text);
					if (message && message.from !== node) void reloadAndConfirm(message);
				}),
				await bus.subscribe(ACKS, (text) => {
					const message = parse(text);
					const entry = message && waiting.get(message.change);
					if (!entry) return;
					entry.confirmed += 1;
					if (entry.expected !== undefined && entry.confirmed >= entry.expected)
						entry.done();
				}),
			);
			bus.onConnectionChange((connected) => {
				if (connected)
					deps.reload().catch((err: unknown) => {
						logger.error(
							{ err },
							"schema sync: loading the collections failed",
						);
					});
			});
		},

		async stop() {
			for (const stop of stops.splice(0)) await stop();
		},
	};
}
