import type { Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import type { RequestInfo } from "../query/index.js";
import type {
	IdempotencyStore,
	IdempotentEntry,
	StoredResponse,
} from "./idempotency-store.js";
import type { RecordData } from "./record-codec.js";

/** An Idempotency-Key on a create, and how to render the answer to keep. */
export interface IdempotencyRequest {
	scope: string;
	key: string;
	requestHash: string;
	respond(record: RecordData): StoredResponse;
}

/** How long a create's answer is replayed for its Idempotency-Key (docs/api.md). */
const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** Keeps a create's answer under its Idempotency-Key, in the create's transaction. */
export async function saveIdempotent(
	idempotency: IdempotencyStore,
	trx: Executor,
	idem: IdempotencyRequest,
	record: RecordData,
	now: string,
) {
	const expires = new Date(Date.parse(now) + IDEMPOTENCY_TTL_MS).toISOString();
	const response = idem.respond(record);
	await idempotency.save(trx, {
		scope: idem.scope,
		key: idem.key,
		now,
		expires,
		requestHash: idem.requestHash,
		response,
	});
}

/**
 * Tells whether a create can run without a transaction around it.
 *
 * A create that is one INSERT (no rule to check after it, no relations to look up, no
 * idempotent answer to keep) is atomic without BEGIN and COMMIT around it; most
 * creates of open collections are like this, and the transaction would double their cost.
 */
export function isSingleStatementCreate(
	collection: Collection,
	request: RequestInfo,
): boolean {
	const ruleFree =
		request.caller.kind === "superuser" || collection.rules.create === "";
	return ruleFree && !collection.fields.some((f) => f.type === "relation");
}

/** Returns the kept answer for a key, or throws IDEMPOTENCY_KEY_REUSED if the body differs. */
export function replayOf(
	prior: IdempotentEntry,
	idem: IdempotencyRequest,
): StoredResponse {
	if (prior.requestHash !== idem.requestHash) {
		throw new AppError("IDEMPOTENCY_KEY_REUSED", {
			detail: "This Idempotency-Key was first used with another body.",
		});
	}
	return prior.response;
}

/** Tells whether a write failed because another request took the same Idempotency-Key. */
export function isIdempotencyConflict(err: unknown): boolean {
	return (
		err instanceof AppError &&
		err.code === "UNIQUE_VIOLATION" &&
		err.extensions?.table === "_idempotency_keys"
	);
}
