import { Queue } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import type { Logger } from "../../../tools/logger/index.js";
import { isTlsError } from "../../../tools/redis/index.js";
import { within } from "../within.js";

const CLOSE_MS = 5000;
const OUTAGE_WARNING_MS = 30_000;

/**
 * The Redis side of the bullmq driver: one connection, one BullMQ Queue per Basalt
 * queue (created on first use), and the names of Basalt's own keys. Every key starts
 * with `prefix` (BullMQ's `prefix` option), so one Redis can hold several Basalt
 * deployments, or tests, side by side.
 */
export class BullmqQueues {
	readonly redis: Redis;
	readonly prefix: string;
	#logger: Logger;
	#queues = new Map<string, Queue>();
	#connectionErrors = 0;
	#lastConnectionWarning = 0;

	constructor(deps: {
		/** Opens a connection to REDIS_URL, TLS settings included. */
		connectRedis: (options: RedisOptions) => Redis;
		prefix: string;
		logger: Logger;
	}) {
		this.prefix = deps.prefix;
		this.#logger = deps.logger;
		// BullMQ workers block on this connection's duplicates and need commands to wait
		// for a reconnect rather than fail after a few retries (BullMQ docs, "Going to
		// production"): maxRetriesPerRequest must be null. Workers' duplicates keep the
		// TLS settings (ioredis copies the options).
		this.redis = deps.connectRedis({ maxRetriesPerRequest: null });
		this.redis.on("error", (err: unknown) => this.reportError(err));
	}

	/**
	 * Logs an error of the connection, a Queue or a Worker. BullMQ re-emits a shared
	 * connection's failure on every Queue and Worker, and ioredis retries every ~2 s,
	 * so an outage is one warning per 30 s with a count, not a line per retry per
	 * queue; other errors (a lost lock, a failed script) are logged each time.
	 */
	reportError(err: unknown, context: Record<string, unknown> = {}): void {
		if (!isConnectionError(err)) {
			this.#logger.warn({ err, ...context }, "job queue error");
			return;
		}
		this.#connectionErrors += 1;
		const now = Date.now();
		if (now - this.#lastConnectionWarning < OUTAGE_WARNING_MS) return;
		this.#lastConnectionWarning = now;
		this.#logger.warn(
			{ err, failures: this.#connectionErrors },
			"redis of the job queue is unreachable",
		);
		this.#connectionErrors = 0;
	}

	/** The BullMQ Queue of a Basalt queue. */
	queue(name: string): Queue {
		let queue = this.#queues.get(name);
		if (!queue) {
			// Given an ioredis instance rather than options, BullMQ shares it (and never
			// closes it): one connection for every queue, plus one blocking duplicate
			// per worker.
			queue = new Queue(name, { connection: this.redis, prefix: this.prefix });
			queue.on("error", (err: unknown) =>
				this.reportError(err, { queue: name }),
			);
			this.#queues.set(name, queue);
		}
		return queue;
	}

	/**
	 * Remembers that a queue has jobs, so listing without a queue filter and finding
	 * a job by id alone know where to look, across processes. Sent with every add
	 * rather than cached, so a Redis that lost its data (a failover, a flush) learns
	 * the queue again with the next job.
	 */
	async register(name: string): Promise<void> {
		await this.redis.sadd(this.#namesKey(), name);
	}

	/** Every queue that ever had a job. */
	async names(): Promise<string[]> {
		return (await this.redis.smembers(this.#namesKey())).sort();
	}

	/** The hash BullMQ keeps a job in (BullMQ's `queue.toKey(id)`, without a Queue). */
	jobKey(queue: string, id: string): string {
		return `${this.prefix}:${queue}:${id}`;
	}

	/**
	 * The hash of a queue's cancelled jobs (id → Job JSON). It lives under the queue's
	 * own keys, so BullMQ's obliterate removes it too and a Redis Cluster hash tag in
	 * the prefix keeps it in the queue's slot (the cancel script touches both).
	 */
	cancelledKey(queue: string): string {
		return `${this.prefix}:${queue}:_cancelled`;
	}

	/** The key of a job merged into an earlier one by its unique key during relay. */
	mergedKey(id: string): string {
		return `${this.prefix}:_basalt:merged:${id}`;
	}

	/**
	 * Closes the Queues, then the connection: QUIT when Redis answers, else (QUIT
	 * would wait for a reconnect) a plain disconnect.
	 */
	async close(): Promise<void> {
		const reachable = this.redis.status === "ready";
		const closing = Promise.allSettled(
			[...this.#queues.values()].map((q) => q.close()),
		);
		this.#queues.clear();
		if (reachable && (await within(closing, CLOSE_MS))) {
			if (await within(this.redis.quit(), CLOSE_MS)) return;
		}
		this.redis.disconnect();
	}

	// Queue names start with a letter (core/config/jobs-config.ts), so `_basalt` never
	// clashes with one.
	#namesKey(): string {
		return `${this.prefix}:_basalt:queues`;
	}
}

/**
 * A network failure (refused, reset, timed out, closed, a TLS handshake that failed)
 * rather than a Redis reply.
 */
function isConnectionError(err: unknown): boolean {
	if (isTlsError(err)) return true;
	const { code, message } = (err ?? {}) as {
		code?: unknown;
		message?: unknown;
	};
	return (
		(typeof code === "string" && /^E[A-Z]+$/.test(code)) ||
		(typeof message === "string" && message.startsWith("Connection is closed"))
	);
}
