import type { IdGenerator } from "../../../tools/ids/index.js";
import type { Logger } from "../../../tools/logger/index.js";
import type { Clock } from "../../../tools/time/index.js";
import type { Database } from "../../db/index.js";
import { createJobTable } from "../job-table.js";
import type { Job } from "../job-types.js";
import type { JobWorker, QueueDriver, WorkerOptions } from "../queue-driver.js";
import { RelayLoop } from "../relay-loop.js";
import { within } from "../within.js";
import { AmqpLink, NotConnectedError } from "./amqp-link.js";
import {
	type DueMessage,
	forgetOldMessages,
	queuesWithOldMessages,
	takeDueMessages,
	unstamp,
} from "./job-dispatch.js";
import { messagePriority } from "./rabbitmq-topology.js";
import { RabbitmqWorker } from "./rabbitmq-worker.js";

/** What the rabbitmq driver is built from: the App's parts plus RabbitMQ. */
export interface RabbitmqQueueDeps {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	/** amqp:// or amqps:// (AMQP_URL). */
	url: string;
	/** amqps:// only: the CA to trust and whether to check the certificate. */
	tls?: { ca?: Buffer; verify: boolean };
	/** The first part of every queue and exchange name; default "basalt". */
	prefix?: string;
	/** How often the relay looks for jobs that need a message (default 1 s). */
	relayPollMs?: number;
	/**
	 * How long a due job's message may go unanswered before the relay checks whether
	 * RabbitMQ still holds it (default 60 s).
	 */
	lostAfterMs?: number;
}

/** Messages sent per relay pass. */
const RELAY_BATCH = 200;
/** How long a closing driver waits for the confirms of the messages it sent. */
const CLOSE_WAIT_MS = 2000;

/**
 * The RabbitMQ queue driver (`BASALT_QUEUE=rabbitmq`, docs/jobs.md#rabbitmq): job
 * state lives in the `_jobs` table exactly as with the db driver (enqueue in a
 * transaction, list, get, retry, cancel, progress, results, unique keys), and
 * RabbitMQ carries one small persistent message per due job ("job <id> may run")
 * to the workers, which RabbitMQ feeds by prefetch instead of polling. The table is
 * also the outbox: a job enqueued in a transaction, a delayed job, a retry with
 * backoff and a job enqueued while RabbitMQ was away are rows without a message,
 * and the relay sends their message once they are committed and due.
 */
export function createRabbitmqQueueDriver(
	deps: RabbitmqQueueDeps,
): QueueDriver {
	const table = createJobTable(deps);
	const newLink = () =>
		new AmqpLink({
			url: deps.url,
			...(deps.tls ? { tls: deps.tls } : {}),
			topology: { prefix: deps.prefix ?? "basalt" },
			logger: deps.logger,
		});
	// Publishing and consuming on separate connections, as RabbitMQ advises: when it
	// slows a connection that publishes faster than it can store (flow control), the
	// consumers' deliveries and acknowledgements must not slow down with it.
	const link = newLink();
	link.open();
	let consumerLink: AmqpLink | undefined;
	const workers = new Set<RabbitmqWorker>();
	const lostAfterMs = deps.lostAfterMs ?? 60_000;
	let lastLostCheck = deps.clock().getTime();
	let lastLeaseCheck = 0;
	const now = () => deps.clock().toISOString();

	const send = (message: DueMessage) =>
		link.publish(message.queue, Buffer.from(message.id, "utf8"), {
			priority: messagePriority(message.priority),
			messageId: message.id,
		});

	/** Sends the messages due now; 0 while RabbitMQ is away (the link logs that once). */
	async function relayPass(): Promise<number> {
		if (!link.connected) return 0;
		const at = now();
		// Expired leases are looked for at most once a second (leases last seconds).
		const withLostLeases = Date.parse(at) - lastLeaseCheck >= 1000;
		if (withLostLeases) lastLeaseCheck = Date.parse(at);
		const due = await takeDueMessages(deps.db, {
			now: at,
			limit: RELAY_BATCH,
			withLostLeases,
		});
		const sent = await Promise.allSettled(due.map(send));
		const failed = due.filter((_, i) => sent[i]?.status === "rejected");
		if (failed.length > 0) {
			await unstamp(
				deps.db,
				failed.map((message) => message.id),
				at,
			);
			throw (sent.find((s) => s.status === "rejected") as PromiseRejectedResult)
				.reason;
		}
		if (due.length < RELAY_BATCH) await findLostMessages();
		return due.length;
	}

	/**
	 * Now and then, the queues whose due jobs have had a message for long are asked
	 * how many messages they hold: none means the messages were lost (the queue was
	 * purged or deleted by hand), and those jobs get new ones. A queue that still
	 * holds messages is only busy; a duplicate would change nothing but load.
	 */
	async function findLostMessages(): Promise<void> {
		const at = deps.clock().getTime();
		if (at - lastLostCheck < lostAfterMs) return;
		lastLostCheck = at;
		const before = new Date(at - lostAfterMs).toISOString();
		for (const queue of await queuesWithOldMessages(deps.db, now(), before)) {
			if ((await link.waitingMessages(queue)) > 0) continue;
			const forgotten = await forgetOldMessages(deps.db, queue, now(), before);
			if (forgotten > 0)
				deps.logger.warn(
					{ queue, jobs: forgotten },
					"RabbitMQ lost the messages of waiting jobs; sending them again",
				);
		}
	}

	const relay = new RelayLoop({
		logger: deps.logger,
		pollMs: deps.relayPollMs ?? 1000,
		batch: RELAY_BATCH,
		what: "sending due jobs to RabbitMQ",
		pass: relayPass,
	});
	relay.start();

	/** Sends in progress: close waits for them (briefly). */
	const sending = new Set<Promise<void>>();

	/**
	 * Sends the message of a job just enqueued outside a transaction, stamped when it
	 * was inserted, without holding the caller for RabbitMQ's confirm: the job is
	 * already safe in its row, and the confirm adds nothing to that. A send that fails
	 * takes the stamp back and leaves the job to the relay.
	 */
	function publishNow(job: Job, stamped: string): void {
		const sent = send(job).catch(async (err: unknown) => {
			if (!(err instanceof NotConnectedError))
				deps.logger.warn(
					{ err, jobId: job.id },
					"sending a job to RabbitMQ failed; the relay sends it",
				);
			await unstamp(deps.db, [job.id], stamped).catch(() => {});
			relay.nudge();
		});
		sending.add(sent);
		void sent.finally(() => sending.delete(sent));
	}

	async function deadLetter(job: Job, error: string): Promise<void> {
		const letter = {
			id: job.id,
			queue: job.queue,
			name: job.name,
			attempts: job.attempts,
			error,
			failed: now(),
		};
		try {
			await link.publishDead(Buffer.from(JSON.stringify(letter), "utf8"), {
				messageId: job.id,
				contentType: "application/json",
			});
		} catch (err: unknown) {
			// The job's row says it failed either way; the letter is for operators.
			deps.logger.warn(
				{ err, jobId: job.id },
				"sending a failed job to the dead-letter queue failed",
			);
		}
	}

	return {
		...table,
		name: "rabbitmq",
		async enqueue(request, trx) {
			if (trx) {
				const job = await table.enqueue(request, trx);
				relay.nudge();
				return job;
			}
			const due = (request.options?.delayMs ?? 0) <= 0;
			if (due) await link.started();
			if (!due || !link.connected) return table.enqueue(request);
			// Due now: the row is stamped as it is written, and its message sent next.
			const row = { id: deps.newId(), publishedAt: now() };
			const job = await table.enqueue(request, undefined, row);
			if (job.id === row.id) publishNow(job, row.publishedAt);
			return job;
		},
		async retryJob(id) {
			const changed = await table.retryJob(id);
			if (changed) relay.nudge();
			return changed;
		},
		startWorker(options: WorkerOptions): JobWorker {
			if (!consumerLink) {
				consumerLink = newLink();
				consumerLink.open();
			}
			const worker = new RabbitmqWorker({
				db: deps.db,
				clock: deps.clock,
				logger: deps.logger,
				link: consumerLink,
				options,
				toJob: table.toJob,
				deadLetter,
				onStop: () => workers.delete(worker),
			});
			workers.add(worker);
			worker.start();
			return worker;
		},
		async degradation() {
			return link.connected
				? undefined
				: "RabbitMQ does not answer: new jobs wait in the database until it does";
		},
		async close() {
			await Promise.all([...workers].map((w) => w.stop(0)));
			await relay.stop(link.connected ? 5000 : 0);
			await within(Promise.allSettled([...sending]), CLOSE_WAIT_MS);
			await Promise.all([link.close(), consumerLink?.close()]);
		},
	};
}
