import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import type { Job } from "../job-types.js";
import { LeasedAttempts } from "../leased-attempts.js";
import type { JobWorker, WorkerOptions } from "../queue-driver.js";
import type { AmqpLink, OnConnect } from "./amqp-link.js";
import { claimJobsByIds, forgetEarlyMessages } from "./job-dispatch.js";
import { declareWorkQueue, workQueueName } from "./rabbitmq-topology.js";

/** What a RabbitmqWorker needs. */
export interface RabbitmqWorkerDeps {
	db: Database;
	clock: Clock;
	logger: Logger;
	link: AmqpLink;
	options: WorkerOptions;
	toJob(row: Record<string, unknown>): Job;
	/** Sends a job that failed for good to the dead-letter queue. */
	deadLetter(job: Job, error: string): Promise<void>;
	onStop(): void;
}

/** A message this worker holds until its job's attempt ends. */
interface Held {
	channel: Channel;
	message: ConsumeMessage;
}

/** A message body that can be one of Basalt's job ids; anything else is dead-lettered. */
const JOB_ID = /^[0-9A-Za-z_-]{1,64}$/;
/** How long a delivery whose claim failed (database away) waits before going back. */
const CLAIM_RETRY_MS = 1000;

/**
 * Works jobs as RabbitMQ delivers them: one consumer per queue on its own channel,
 * with the queue's concurrency as the prefetch, so RabbitMQ never hands this worker
 * more messages than it has free slots. A message names a job; the worker claims the
 * job's row (the state lives in `_jobs`, docs/jobs.md#rabbitmq), runs it as a
 * LeasedAttempt and acknowledges the message when the attempt has ended and its
 * outcome is written. A message whose job cannot run now is acknowledged at once.
 */
export class RabbitmqWorker implements JobWorker {
	readonly id =
		`${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
	#deps: RabbitmqWorkerDeps;
	#attempts: LeasedAttempts;
	#held = new Map<string, Held>();
	/** Deliveries of this turn of the event loop, by channel, to be claimed together. */
	#arriving = new Map<Channel, Held[]>();
	/** Claims on their way to or back from the database: a stop waits for them. */
	#claims = new Set<Promise<void>>();
	#consumers: { channel: Channel; tag: string }[] = [];
	#stopping = false;
	#lastBeat = Date.now();
	#beat: NodeJS.Timeout | undefined;
	#onConnect: OnConnect = (connection) => this.#consume(connection);

	constructor(deps: RabbitmqWorkerDeps) {
		this.#deps = deps;
		this.#attempts = new LeasedAttempts({
			...deps,
			workerId: this.id,
			onSettled: (job) => this.#release(job),
			onBeat: () => {
				this.#lastBeat = Date.now();
			},
			onFailedForGood: deps.deadLetter,
		});
	}

	/** Starts consuming on this connection and every later one. */
	start(): void {
		void this.#deps.link.onConnect(this.#onConnect);
		// Idle workers beat while connected: readiness reads "can take jobs".
		this.#beat = setInterval(
			() => {
				if (this.#deps.link.connected) this.#lastBeat = Date.now();
			},
			Math.max(50, Math.min(5000, this.#deps.options.leaseMs / 3)),
		);
		this.#beat.unref();
	}

	lastBeat(): number {
		return this.#lastBeat;
	}

	async stop(graceMs: number): Promise<void> {
		this.#stopping = true;
		clearInterval(this.#beat);
		this.#deps.link.offConnect(this.#onConnect);
		// No new deliveries; those on their way are handed back as they arrive.
		await Promise.allSettled(
			this.#consumers.map(({ channel, tag }) => channel.cancel(tag)),
		);
		// A claim that committed is already "running" in the database: its jobs are
		// launched, and drained with the rest.
		await Promise.allSettled([...this.#claims]);
		await this.#attempts.stop(graceMs);
		await Promise.allSettled(
			this.#consumers.map(({ channel }) => channel.close()),
		);
		this.#consumers = [];
		this.#deps.onStop();
	}

	async #consume(connection: ChannelModel): Promise<void> {
		if (this.#stopping) return;
		const { link, options } = this.#deps;
		const consumers: { channel: Channel; tag: string }[] = [];
		for (const [queue, concurrency] of Object.entries(options.queues)) {
			const channel = await connection.createChannel();
			channel.on("error", () => {});
			// A channel RabbitMQ closed on its own: set everything up again.
			channel.on("close", () => {
				if (!this.#stopping && link.connected)
					void connection.close().catch(() => {});
			});
			await channel.prefetch(concurrency);
			await declareWorkQueue(channel, link.topology, queue);
			const { consumerTag } = await channel.consume(
				workQueueName(link.topology, queue),
				(message) => {
					if (message) this.#deliver(channel, queue, message);
				},
				{ noAck: false },
			);
			consumers.push({ channel, tag: consumerTag });
		}
		this.#consumers = consumers;
		this.#lastBeat = Date.now();
	}

	/**
	 * Takes a delivery: messages that arrive together (RabbitMQ sends up to the
	 * prefetch at once) are claimed together in one statement, on the next turn of
	 * the event loop.
	 */
	#deliver(channel: Channel, queue: string, message: ConsumeMessage): void {
		if (this.#stopping) {
			settle(() => channel.nack(message, false, true));
			return;
		}
		// Not a job id: dead-lettered (the queue's dead-letter exchange) for a person to read.
		if (!JOB_ID.test(message.content.toString("utf8"))) {
			settle(() => channel.nack(message, false, false));
			return;
		}
		let batch = this.#arriving.get(channel);
		if (!batch) {
			const fresh: Held[] = [];
			batch = fresh;
			this.#arriving.set(channel, fresh);
			setImmediate(() => {
				this.#arriving.delete(channel);
				if (this.#stopping) {
					for (const held of fresh)
						settle(() => held.channel.nack(held.message, false, true));
					return;
				}
				const claiming = this.#claim(channel, queue, fresh);
				this.#claims.add(claiming);
				void claiming.finally(() => this.#claims.delete(claiming));
			});
		}
		batch.push({ channel, message });
	}

	async #claim(channel: Channel, queue: string, batch: Held[]): Promise<void> {
		const byId = new Map<string, Held>();
		for (const held of batch) {
			const id = held.message.content.toString("utf8");
			// Two messages for one job in one batch: one is enough.
			if (byId.has(id)) settle(() => channel.ack(held.message));
			else byId.set(id, held);
		}
		const ids = [...byId.keys()];
		const now = this.#deps.clock();
		let rows: Record<string, unknown>[];
		try {
			rows = await claimJobsByIds(this.#deps.db, {
				ids,
				queue,
				workerId: this.id,
				now: now.toISOString(),
				leaseUntil: new Date(
					now.getTime() + this.#deps.options.leaseMs,
				).toISOString(),
			});
		} catch (err: unknown) {
			this.#deps.logger.warn(
				{ err, jobIds: ids },
				"claiming delivered jobs failed; handing them back",
			);
			setTimeout(() => {
				for (const { message } of batch)
					settle(() => channel.nack(message, false, true));
			}, CLAIM_RETRY_MS).unref();
			return;
		}
		this.#lastBeat = Date.now();
		for (const row of rows) {
			const job = this.#deps.toJob(row);
			const held = byId.get(job.id);
			byId.delete(job.id);
			if (held) this.#held.set(job.id, held);
			this.#attempts.launch(job);
		}
		if (byId.size === 0) return;
		// Messages whose job cannot run now (or again): dropped.
		await forgetEarlyMessages(
			this.#deps.db,
			[...byId.keys()],
			now.toISOString(),
		).catch((err: unknown) =>
			this.#deps.logger.warn(
				{ err },
				"taking back early messages' stamps failed",
			),
		);
		for (const { message } of byId.values()) settle(() => channel.ack(message));
	}

	/**
	 * The attempt ended and its outcome is written: the message is done with. A retry
	 * or a job given back gets a new message from the relay when it is due, so this
	 * one is acknowledged whatever the outcome. On a channel that closed meanwhile the
	 * acknowledgement is moot: RabbitMQ delivers the message again, and its job, no
	 * longer claimable, drops it.
	 */
	#release(job: Job): void {
		const held = this.#held.get(job.id);
		this.#held.delete(job.id);
		if (held) settle(() => held.channel.ack(held.message));
	}
}

/** Acks or nacks, ignoring a channel that closed meanwhile. */
function settle(action: () => void): void {
	try {
		action();
	} catch {
		// The channel is closed: RabbitMQ requeued the message itself.
	}
}
