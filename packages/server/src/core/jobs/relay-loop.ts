import type { Logger } from "../../../tools/logger/index.js";
import type { Database } from "../../db/index.js";
import { deleteOutboxRows, type OutboxRow, readOutbox } from "./job-outbox.js";
import { within } from "./within.js";

/** What the relay needs: the database and a way to hand one row to BullMQ. */
export interface OutboxRelayDeps {
	db: Database;
	logger: Logger;
	/** How often the relay looks for committed rows when nothing nudged it. */
	pollMs: number;
	/** Adds the row's job to BullMQ; adding the same row twice must be harmless. */
	publish(row: OutboxRow): Promise<void>;
}

const BATCH = 100;
/** The first look after a transactional enqueue: most transactions commit sooner. */
const FIRST_NUDGE_MS = 10;

/**
 * Moves committed `_job_outbox` rows to BullMQ, then deletes them. A row is added
 * before it is deleted, so a crash in between relays it again on the next pass, and
 * BullMQ ignores a second add of an existing job id: at-least-once into Redis,
 * exactly one job. Runs in every process that has the driver (not only workers), on
 * unref'ed timers so it never keeps a process alive.
 */
export class OutboxRelay {
	#deps: OutboxRelayDeps;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<number> | undefined;
	#stopped = false;
	/** Set after a nudge: the next wait, doubling until a row shows up or pollMs. */
	#nudgeMs: number | undefined;
	#nudges = 0;

	constructor(deps: OutboxRelayDeps) {
		this.#deps = deps;
	}

	/** Starts the loop; the first pass is one poll interval away. */
	start(): void {
		this.#schedule(this.#deps.pollMs);
	}

	/**
	 * Looks again soon: a job was just enqueued in a transaction that has not
	 * committed yet, so the relay retries quickly (10, 20, 40 … ms) until it finds a
	 * row or reaches the poll interval.
	 */
	nudge(): void {
		this.#nudges += 1;
		this.#nudgeMs = FIRST_NUDGE_MS;
		this.#schedule(FIRST_NUDGE_MS);
	}

	/** Relays every committed row now; returns how many it moved. */
	async relayNow(): Promise<number> {
		let total = 0;
		for (;;) {
			const moved = await this.#relayOnce();
			total += moved;
			if (moved < BATCH) return total;
		}
	}

	/**
	 * Stops the loop and waits for a pass in progress, at most `waitMs`: a pass stuck
	 * on an unreachable Redis is left behind (its rows stay in the outbox and the
	 * next process relays them).
	 */
	async stop(waitMs: number): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#timer);
		const running = this.#running;
		if (running !== undefined) await within(running, waitMs);
	}

	#schedule(delayMs: number): void {
		if (this.#stopped) return;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => void this.#tick(), delayMs);
		this.#timer.unref();
	}

	async #tick(): Promise<void> {
		const nudges = this.#nudges;
		let moved = 0;
		try {
			moved = await this.relayNow();
		} catch (err: unknown) {
			this.#deps.logger.warn({ err }, "relaying the job outbox failed");
			this.#nudgeMs = undefined;
			this.#schedule(this.#deps.pollMs * 2);
			return;
		}
		// A nudge during this pass may be for a row the pass read too early.
		if (this.#nudges !== nudges) {
			this.#schedule(FIRST_NUDGE_MS);
			return;
		}
		const nudged = this.#nudgeMs;
		if (moved === 0 && nudged !== undefined && nudged * 2 < this.#deps.pollMs) {
			this.#nudgeMs = nudged * 2;
			this.#schedule(this.#nudgeMs);
			return;
		}
		this.#nudgeMs = undefined;
		this.#schedule(this.#deps.pollMs);
	}

	/**
	 * One batch, after any pass in progress: passes never overlap, and a caller (a
	 * cancel looking for its row) always gets a pass that started after its call.
	 */
	#relayOnce(): Promise<number> {
		const previous = this.#running?.catch(() => 0) ?? Promise.resolve(0);
		const pass = previous.then(() => this.#pass());
		this.#running = pass;
		pass
			.finally(() => {
				if (this.#running === pass) this.#running = undefined;
			})
			.catch(() => {});
		return pass;
	}

	async #pass(): Promise<number> {
		const rows = await readOutbox(this.#deps.db, { limit: BATCH });
		if (rows.length === 0) return 0;
		// Adds go out together: ioredis pipelines them on one connection.
		await Promise.all(rows.map((row) => this.#deps.publish(row)));
		await deleteOutboxRows(
			this.#deps.db,
			rows.map((row) => row.id),
		);
		return rows.length;
	}
}
