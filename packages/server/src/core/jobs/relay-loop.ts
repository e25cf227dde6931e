import type { Logger } from "../../tools/logger/index.js";
import { within } from "./within.js";

/** What the loop needs: one batch's work and how often to run it. */
export interface RelayLoopDeps {
	logger: Logger;
	/** How often the loop looks for committed rows when nothing nudged it. */
	pollMs: number;
	/** The largest batch `pass` moves: a full batch means more may be waiting. */
	batch: number;
	/**
	 * Hands one batch of committed rows to the broker and marks them moved; returns
	 * how many it moved. Moving a row twice must be harmless: a crash between the
	 * hand-off and the mark moves it again.
	 */
	pass(): Promise<number>;
	/** Names what failed in the warning of a failed pass. */
	what: string;
}

/** The first look after a transactional enqueue: most transactions commit sooner. */
const FIRST_NUDGE_MS = 10;

/**
 * The loop of a transactional outbox: jobs enqueued in a database transaction are
 * rows first, and this loop hands committed rows to the broker (BullMQ, RabbitMQ) in
 * batches. The hand-off comes before the mark, so a crash in between hands a row
 * over again: at-least-once into the broker, and each driver makes a second hand-off
 * harmless. Runs in every process that has the driver (not only workers), on
 * unref'ed timers so it never keeps a process alive.
 */
export class RelayLoop {
	#deps: RelayLoopDeps;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<number> | undefined;
	#stopped = false;
	/** Set after a nudge: the next wait, doubling until a row shows up or pollMs. */
	#nudgeMs: number | undefined;
	#nudges = 0;

	constructor(deps: RelayLoopDeps) {
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
			if (moved < this.#deps.batch) return total;
		}
	}

	/**
	 * Stops the loop and waits for a pass in progress, at most `waitMs`: a pass stuck
	 * on an unreachable broker is left behind (its rows stay unmoved and the next
	 * process moves them).
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
			this.#deps.logger.warn({ err }, `${this.#deps.what} failed`);
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
		const pass = previous.then(() => this.#deps.pass());
		this.#running = pass;
		pass
			.finally(() => {
				if (this.#running === pass) this.#running = undefined;
			})
			.catch(() => {});
		return pass;
	}
}
