import type { Executor } from "../db/index.js";
import type { Caller } from "../model/index.js";
import type { RecordData } from "./record-codec.js";

/** One committed-with-the-write change of a record. */
export interface RecordChange {
	collection: string;
	action: "create" | "update" | "delete";
	/** The record after the change; for a delete, as it was. */
	record: RecordData;
	/** For an update, the record before it. */
	previous?: RecordData;
	/** For an update of an account: whether it set a new password (for the audit trail). */
	passwordChanged?: boolean;
	/** Who wrote: kind and id only. */
	actor?: { kind: Caller["kind"]; id?: string };
}

/**
 * Something that reacts to record changes inside the write's own transaction
 * (webhooks enqueue their deliveries there: the transactional outbox), so the write
 * and its consequences commit or roll back together.
 */
export interface RecordChangeSink {
	/** Tells whether changes of a collection matter, so writes nobody listens to stay cheap. */
	wants(collection: string): boolean;
	/** Handles one change in `trx`; throwing rolls the write back. */
	record(change: RecordChange, trx: Executor): Promise<void>;
}

/** Sends a change to every sink that wants it. */
export async function emitChange(
	sinks: readonly RecordChangeSink[],
	change: RecordChange,
	trx: Executor,
): Promise<void> {
	for (const sink of sinks)
		if (sink.wants(change.collection)) await sink.record(change, trx);
}
