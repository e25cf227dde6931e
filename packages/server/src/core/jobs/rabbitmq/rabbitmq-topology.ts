import type { Channel } from "amqplib";

/**
 * The names and shapes Basalt declares in RabbitMQ (docs/jobs.md#rabbitmq), all under
 * one prefix so several Basalt instances can share a virtual host:
 * - `<prefix>.jobs.<queue>`: one durable work queue per Basalt queue, with priorities
 *   and a dead-letter exchange;
 * - `<prefix>.dead` (fanout exchange) and `<prefix>.jobs.dead` (its queue): jobs that
 *   failed for good, and messages a worker could not read.
 */
export interface Topology {
	prefix: string;
}

/** The highest message priority a work queue keeps apart (RabbitMQ advises at most 10). */
export const MAX_MESSAGE_PRIORITY = 10;

/** The work queue of a Basalt queue. */
export function workQueueName(topology: Topology, queue: string): string {
	return `${topology.prefix}.jobs.${queue}`;
}

/** The exchange dead letters go to. */
export function deadExchangeName(topology: Topology): string {
	return `${topology.prefix}.dead`;
}

/** The queue that keeps dead letters for an operator to read. */
export function deadQueueName(topology: Topology): string {
	return `${topology.prefix}.jobs.dead`;
}

/**
 * A job's priority as a message priority: Basalt's priorities are any integer
 * (higher runs sooner), RabbitMQ keeps 11 levels apart, so -5 and below share the
 * lowest level, 5 and above the highest, and 0 (the default) sits in the middle.
 */
export function messagePriority(priority: number): number {
	const half = MAX_MESSAGE_PRIORITY / 2;
	return Math.min(
		MAX_MESSAGE_PRIORITY,
		Math.max(0, Math.round(priority) + half),
	);
}

/**
 * Declares a work queue; answers how many messages wait in it (ready, not those a
 * worker holds). Declaring is idempotent while the arguments stay the same; changing
 * them later would make RabbitMQ refuse the declaration, so they never change.
 */
export async function declareWorkQueue(
	channel: Channel,
	topology: Topology,
	queue: string,
): Promise<number> {
	const declared = await channel.assertQueue(workQueueName(topology, queue), {
		durable: true,
		arguments: {
			"x-max-priority": MAX_MESSAGE_PRIORITY,
			"x-dead-letter-exchange": deadExchangeName(topology),
		},
	});
	return declared.messageCount;
}

/** Declares the dead-letter exchange and its queue. */
export async function declareDeadLetters(
	channel: Channel,
	topology: Topology,
): Promise<void> {
	await channel.assertExchange(deadExchangeName(topology), "fanout", {
		durable: true,
	});
	await channel.assertQueue(deadQueueName(topology), { durable: true });
	await channel.bindQueue(
		deadQueueName(topology),
		deadExchangeName(topology),
		"",
	);
}
