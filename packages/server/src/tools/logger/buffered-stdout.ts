import { register as onExit } from "on-exit-leak-free";
import { pino } from "pino";

/** Lines wait at most this long before they are written. */
const FLUSH_MS = 100;
/** The bytes one write(2) carries at most: a batch of a few hundred request lines. */
const BATCH_BYTES = 64 * 1024;
/** UTF-8 takes at most this many bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

/** A log destination that can be written out now. */
export interface FlushableDestination {
	write(line: string): void;
	/** Writes out what waits (pino's `logger.flush()` calls it). */
	flush(callback?: (err?: Error) => void): void;
	/** Writes out what waits before returning. */
	flushSync(): void;
}

/**
 * Standard output for log lines, written in batches: each line is encoded as UTF-8
 * into a 64 KB buffer as it comes, and one `write(2)` carries the whole buffer. One
 * write per line was a tenth of a record view's cost with a line per request
 * (bench:observability); batches of joined strings still cost about 2.4 µs a line,
 * half of it in SonicBoom measuring and encoding each batch's text twice over, which
 * a buffer it is handed as is does not need. A line waits at most 100 ms, and
 * whatever waits is written synchronously when the process exits (exit, an uncaught
 * exception, `process.exit`), so only a SIGKILL or a crash of the runtime itself can
 * lose the last 100 ms of lines.
 */
export function createBufferedStdout(): FlushableDestination {
	// Synchronous writes: no thread-pool hop per write, and the exit hook can always
	// finish the job. A synchronous SonicBoom writes what it is given before write()
	// returns, waiting out a full pipe itself.
	const sonic = pino.destination({
		dest: 1,
		sync: true,
		contentMode: "buffer",
	});
	// In buffer mode SonicBoom writes bytes; its type declarations name strings only.
	const writeBytes = sonic.write.bind(sonic) as unknown as (
		bytes: Uint8Array,
	) => boolean;
	let batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
	let used = 0;
	let timer: NodeJS.Timeout | undefined;
	const writeOut = () => {
		clearTimeout(timer);
		timer = undefined;
		if (used === 0) return;
		const full = batch.subarray(0, used);
		// A fresh buffer, not the one just handed over: SonicBoom keeps what a failed
		// write left, and a reused buffer would overwrite it.
		batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
		used = 0;
		writeBytes(full);
	};
	const destination: FlushableDestination = {
		write(line: string): void {
			// The bound, not the exact length: measuring each line costs a pass over it.
			const most = line.length * MAX_UTF8_PER_UNIT;
			if (used + most > BATCH_BYTES) {
				writeOut();
				if (most > BATCH_BYTES) {
					writeBytes(Buffer.from(line, "utf8"));
					return;
				}
			}
			used += batch.write(line, used, "utf8");
			// One timer per batch, not per line; it never keeps the process alive.
			timer ??= setTimeout(writeOut, FLUSH_MS).unref();
		},
		flush(callback?: (err?: Error) => void): void {
			writeOut();
			sonic.flush(callback);
		},
		flushSync(): void {
			writeOut();
			sonic.flushSync();
		},
	};
	// Held weakly: a logger that is dropped (tests make many) leaves no exit hook behind.
	onExit(destination, flushOnExit);
	return destination;
}

function flushOnExit(destination: FlushableDestination): void {
	destination.flushSync();
}
