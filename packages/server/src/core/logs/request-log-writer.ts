import { CompiledQuery } from "kysely";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";

/** One finished request, as the HTTP layer reports it. */
export interface RequestLogEntry {
	method: string;
	route: string;
	status: number;
	durationMs: number;
	callerKind: string;
	callerId: string | undefined;
	ip: string | undefined;
	userAgent: string | undefined;
	requestId: string;
}

/** How the writer samples and batches. */
export interface RequestLogSettings {
	/** Share of requests below 500 kept, 0..1; every 5xx is kept. */
	sample: number;
	/** Rows per INSERT; a full batch is flushed at once. */
	batchSize: number;
	/** Longest a row waits in memory before it is written, in ms. */
	flushMs: number;
	/** Rows held at most; beyond this (the database is down or slow) rows are dropped. */
	maxBuffered: number;
}

/**
 * How the request log is batched in production: 500 rows per INSERT, written within a
 * second, at most 10,000 rows held while the database is slow or away (a few MB).
 */
export const REQUEST_LOG_BATCHING = {
	batchSize: 500,
	flushMs: 1000,
	maxBuffered: 10_000,
} as const satisfies Omit<RequestLogSettings, "sample">;

/** Counters of the writer, for metrics and tests. */
export interface RequestLogCounters {
	buffered: number;
	written: number;
	dropped: number;
}

/** Writes sampled request-log rows in batches, off the request path. */
export interface RequestLogWriter {
	/** Samples and buffers one request; never touches the database itself. */
	add(entry: RequestLogEntry): void;
	/** Writes everything buffered now; one flush runs at a time. */
	flush(): Promise<void>;
	/** Flushes what is buffered and stops accepting rows; the App calls it on close. */
	close(): Promise<void>;
	/** The rows buffered, written and dropped so far (the metrics). */
	counters(): RequestLogCounters;
	/** Deletes rows created before `cutoff`; returns how many (the retention purge). */
	purgeBefore(cutoff: Date): Promise<number>;
}

/** The columns of a buffered row, in order. */
const COLUMNS = [
	"id",
	"created",
	"method",
	"route",
	"status",
	"duration_ms",
	"caller_kind",
	"caller_id",
	"ip",
	"user_agent",
	"request_id",
	"weight",
] as const;

/** Batches up to this many rows are written whole (see chunkSize). */
const SMALL_BATCH = 20;
/** The sizes a batch between SMALL_BATCH and a full one is written in, largest first. */
const ROUND_SIZES = [250, 100, 50, SMALL_BATCH];

/** Longest user agent stored: enough to tell clients apart, no room for a payload. */
const MAX_AGENT = 256;

/**
 * The request log in the database. `add` only pushes onto an in-memory buffer (the
 * request never waits for the database); a timer and full batches write rows with
 * one multi-row INSERT. When the buffer is full, new rows are dropped and counted, so
 * a database outage costs log rows, never unbounded memory.
 */
export function createRequestLogWriter(deps: {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
	settings: RequestLogSettings;
	/** 0 <= x < 1; tests may fix it. */
	random?: () => number;
}): RequestLogWriter {
	const { settings } = deps;
	const random = deps.random ?? Math.random;
	let buffer: unknown[][] = [];
	const insertSql = new Map<number, string>();

	/**
	 * The INSERT of `rows` rows, compiled once per size: compiling a 500-row insert
	 * through the query builder cost more than running it.
	 */
	function insertSqlFor(rows: number): string {
		let text = insertSql.get(rows);
		if (text === undefined) {
			const row = Object.fromEntries(COLUMNS.map((column) => [column, null]));
			text = deps.db.kysely
				.insertInto("_request_logs")
				.values(Array.from({ length: rows }, () => row))
				.compile().sql;
			insertSql.set(rows, text);
		}
		return text;
	}
	let timer: NodeJS.Timeout | undefined;
	let flushing: Promise<void> | undefined;
	let closed = false;
	const counters = { written: 0, dropped: 0 };

	function schedule(): void {
		if (timer || closed) return;
		timer = setTimeout(() => {
			timer = undefined;
			void flush();
		}, settings.flushMs);
		// A pending flush never keeps the process alive; close() flushes what is left.
		timer.unref();
	}

	/**
	 * How many of `waiting` rows the next INSERT takes: a full batch, all of a few, or
	 * else a round size, so few distinct statements are compiled and kept prepared
	 * (137 rows go as 100, then 37 as 20, then 17).
	 */
	function chunkSize(waiting: number): number {
		if (waiting >= settings.batchSize) return settings.batchSize;
		if (waiting <= SMALL_BATCH) return waiting;
		return ROUND_SIZES.find((size) => size <= waiting) ?? SMALL_BATCH;
	}

	async function writeBatches(): Promise<void> {
		while (buffer.length > 0) {
			const batch = buffer.slice(0, chunkSize(buffer.length));
			buffer = buffer.slice(batch.length);
			try {
				await deps.db.kysely.executeQuery(
					CompiledQuery.raw(insertSqlFor(batch.length), batch.flat()),
				);
				counters.written += batch.length;
			} catch (err: unknown) {
				counters.dropped += batch.length;
				deps.logger.warn(
					{ err, rows: batch.length },
					"request log: could not write a batch; its rows are dropped",
				);
			}
		}
	}

	/** Writes everything buffered now; one flush runs at a time. */
	async function flush(): Promise<void> {
		while (flushing !== undefined) await flushing;
		if (buffer.length === 0) return;
		flushing = writeBatches().finally(() => {
			flushing = undefined;
		});
		await flushing;
	}

	return {
		add(entry: RequestLogEntry): void {
			if (closed) return;
			const weight = entry.status >= 500 ? 1 : settings.sample;
			if (weight <= 0 || (weight < 1 && random() >= weight)) return;
			if (buffer.length >= settings.maxBuffered) {
				counters.dropped += 1;
				return;
			}
			// In COLUMNS order.
			buffer.push([
				deps.newId(),
				deps.clock().toISOString(),
				entry.method,
				entry.route,
				entry.status,
				entry.durationMs,
				entry.callerKind,
				entry.callerId ?? null,
				entry.ip ?? null,
				entry.userAgent?.slice(0, MAX_AGENT) ?? null,
				entry.requestId,
				// Each kept row stands for 1/weight requests, so counts stay right when sampled.
				1 / weight,
			]);
			if (buffer.length >= settings.batchSize) {
				if (timer) clearTimeout(timer);
				timer = undefined;
				void flush();
			} else schedule();
		},
		flush,
		async close(): Promise<void> {
			closed = true;
			if (timer) clearTimeout(timer);
			timer = undefined;
			await flush();
		},
		counters(): RequestLogCounters {
			return { buffered: buffer.length, ...counters };
		},
		async purgeBefore(cutoff: Date): Promise<number> {
			const result = await deps.db.kysely
				.deleteFrom("_request_logs")
				.where("created", "<", cutoff.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
	};
}
