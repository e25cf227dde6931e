import {
	type ChannelModel,
	type ConfirmChannel,
	connect,
	type Options,
	type RecoveringChannelModel,
} from "amqplib";
import type { Logger } from "../../../tools/logger/index.js";
import { within } from "../within.js";
import {
	deadExchangeName,
	declareDeadLetters,
	declareWorkQueue,
	type Topology,
	workQueueName,
} from "./rabbitmq-topology.js";

/** How Basalt reaches RabbitMQ. */
export interface AmqpLinkOptions {
	/** amqp:// or amqps:// (AMQP_URL). */
	url: string;
	/** TLS settings for amqps:// (BASALT_AMQP_CA, BASALT_AMQP_TLS_VERIFY). */
	tls?: { ca?: Buffer; verify: boolean };
	topology: Topology;
	logger: Logger;
}

/** Work done on every (re)connection: declaring queues, starting consumers. */
export type OnConnect = (model: ChannelModel) => Promise<void>;

/** Thrown by publish while no connection is open: the caller keeps the job for later. */
export class NotConnectedError extends Error {
	constructor() {
		super("RabbitMQ is not connected");
		this.name = "NotConnectedError";
	}
}

/** How long a publish waits for the first connection of a starting process. */
const FIRST_CONNECT_WAIT_MS = 2000;

/**
 * One connection to RabbitMQ (the driver keeps one for publishing and one for its
 * workers) that comes back by itself (amqplib's recovery: 100 ms
 * doubling to 5 s between attempts, forever). Each new connection gets a fresh
 * publisher channel in confirm mode, and every registered OnConnect runs again on it
 * (consumers are per connection). A channel lost on its own (RabbitMQ closes a channel
 * on a protocol error) drops the whole connection, so everything is set up again in
 * one place instead of channel by channel.
 */
export class AmqpLink {
	#options: AmqpLinkOptions;
	#model: RecoveringChannelModel | undefined;
	#opened: Promise<unknown> | undefined;
	#current: ChannelModel | undefined;
	#publisher: ConfirmChannel | undefined;
	#declared = new Set<string>();
	#onConnect = new Set<OnConnect>();
	#closing = false;
	/** Set from a lost connection until the next one: its outage was logged. */
	#down = false;

	constructor(options: AmqpLinkOptions) {
		this.#options = options;
	}

	get topology(): Topology {
		return this.#options.topology;
	}

	/** True while a connection is open and set up. */
	get connected(): boolean {
		return this.#current !== undefined;
	}

	/** Starts connecting in the background; later calls do nothing. */
	open(): void {
		if (this.#opened !== undefined) return;
		const { url, tls, logger } = this.#options;
		this.#opened = (async () => {
			const model = await connect(url, {
				...(tls
					? {
							...(tls.ca ? { ca: [tls.ca] } : {}),
							rejectUnauthorized: tls.verify,
						}
					: {}),
				recovery: {
					waitForConnect: false,
					initialDelay: 100,
					maxDelay: 5000,
					maxRetries: Number.POSITIVE_INFINITY,
					setup: (connection: ChannelModel) => this.#setUp(connection),
				},
			});
			this.#model = model;
			model.on("error", () => {});
			model.on("connect", () => {
				if (this.#down) logger.info("RabbitMQ answers again");
				this.#down = false;
			});
			model.on("disconnect", (err: Error) => this.#lost(err));
			model.on("connect-failed", (err: Error) => this.#lost(err));
			if (this.#closing) await model.close();
		})().catch((err: unknown) => {
			logger.warn({ err }, "RabbitMQ: could not start connecting");
		});
	}

	/**
	 * Resolves once the first connection attempt of a starting process is over (at
	 * most two seconds); at once afterwards, connected or not.
	 */
	async started(): Promise<void> {
		if (this.#current || this.#closing || this.#down) return;
		await within(this.#firstConnection(), FIRST_CONNECT_WAIT_MS);
	}

	/** Registers work for every connection; runs it now on the open one, if any. */
	async onConnect(work: OnConnect): Promise<void> {
		this.#onConnect.add(work);
		const current = this.#current;
		if (!current) return;
		try {
			await work(current);
		} catch (err: unknown) {
			this.#options.logger.warn(
				{ err },
				"RabbitMQ set-up failed; reconnecting",
			);
			await current.close().catch(() => {});
		}
	}

	/** Stops running `work` on new connections. */
	offConnect(work: OnConnect): void {
		this.#onConnect.delete(work);
	}

	/**
	 * Sends a persistent message to a Basalt queue's work queue and resolves when
	 * RabbitMQ confirmed it (it is then on disk for a durable queue). Throws
	 * NotConnectedError while there is no connection.
	 */
	async publish(
		queue: string,
		content: Buffer,
		options: Options.Publish = {},
	): Promise<void> {
		const channel = await this.#channel();
		if (!this.#declared.has(queue)) {
			await declareWorkQueue(channel, this.topology, queue);
			this.#declared.add(queue);
		}
		await confirmed(channel, "", workQueueName(this.topology, queue), content, {
			...options,
			persistent: true,
		});
	}

	/** Sends a persistent message to the dead-letter exchange. */
	async publishDead(
		content: Buffer,
		options: Options.Publish = {},
	): Promise<void> {
		const channel = await this.#channel();
		await confirmed(channel, deadExchangeName(this.topology), "", content, {
			...options,
			persistent: true,
		});
	}

	/** How many messages wait in a Basalt queue's work queue (not those held by workers). */
	async waitingMessages(queue: string): Promise<number> {
		const channel = await this.#channel();
		const count = await declareWorkQueue(channel, this.topology, queue);
		this.#declared.add(queue);
		return count;
	}

	/** Closes the connection; waits at most `waitMs` for RabbitMQ to agree. */
	async close(waitMs = 2000): Promise<void> {
		this.#closing = true;
		this.#onConnect.clear();
		await within(this.#opened ?? Promise.resolve(), waitMs);
		const model = this.#model;
		this.#current = undefined;
		this.#publisher = undefined;
		if (model) await within(model.close(), waitMs);
	}

	async #channel(): Promise<ConfirmChannel> {
		await this.started();
		const channel = this.#publisher;
		if (!channel) throw new NotConnectedError();
		return channel;
	}

	async #firstConnection(): Promise<void> {
		await this.#opened;
		await this.#model?.waitForConnect();
	}

	async #setUp(connection: ChannelModel): Promise<void> {
		connection.on("error", () => {});
		const publisher = await connection.createConfirmChannel();
		const reconnect = () => {
			if (this.#current === connection) void connection.close().catch(() => {});
		};
		publisher.on("error", () => {});
		publisher.on("close", reconnect);
		await declareDeadLetters(publisher, this.topology);
		for (const work of this.#onConnect) await work(connection);
		this.#declared.clear();
		this.#publisher = publisher;
		this.#current = connection;
		connection.on("close", () => {
			if (this.#current !== connection) return;
			this.#current = undefined;
			this.#publisher = undefined;
		});
	}

	#lost(err: Error): void {
		this.#current = undefined;
		this.#publisher = undefined;
		if (this.#closing) return;
		if (!this.#down) {
			this.#down = true;
			// Code and reason only: a TLS error also carries the whole peer certificate.
			const code = (err as { code?: unknown }).code;
			const tls = /CERT|TLS|SELF_SIGNED|UNABLE_TO/.test(String(code));
			this.#options.logger.warn(
				{ code, reason: err.message },
				tls
					? "RabbitMQ does not answer: the TLS handshake failed (is its certificate signed by BASALT_AMQP_CA, or a public CA, for the host in AMQP_URL?); jobs wait in the database until it does"
					: "RabbitMQ does not answer: jobs wait in the database until it does",
			);
		}
	}
}

/** Publishes on a confirm channel and waits for RabbitMQ's confirm. */
function confirmed(
	channel: ConfirmChannel,
	exchange: string,
	routingKey: string,
	content: Buffer,
	options: Options.Publish,
): Promise<void> {
	return new Promise((resolve, reject) => {
		try {
			channel.publish(exchange, routingKey, content, options, (err) =>
				err
					? reject(err instanceof Error ? err : new Error(String(err)))
					: resolve(),
			);
		} catch (err: unknown) {
			reject(err);
		}
	});
}
