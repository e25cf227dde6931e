import type { FastifyRequest } from "fastify";
import { AppError } from "../../core/errors/index.js";
import type {
	IdempotencyRequest,
	RecordData,
	StoredResponse,
} from "../../core/records/index.js";
import { sha256Hex } from "../../tools/crypto/index.js";
import { headerOf } from "./json-response.js";

const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Reads `Idempotency-Key` from a POST (draft-ietf-httpapi-idempotency-key-header).
 * The key is scoped to the caller and the endpoint; the body's hash tells a retry
 * (replayed) from a different request reusing the key (422).
 */
export function idempotencyOf(
	request: FastifyRequest,
	body: Record<string, unknown>,
	respond: (record: RecordData) => StoredResponse,
): IdempotencyRequest | undefined {
	const key = headerOf(request, "idempotency-key");
	if (key === undefined) return undefined;
	if (!VALID_KEY.test(key)) {
		throw new AppError("INVALID_HEADER", {
			detail: "Idempotency-Key must be 1 to 255 visible ASCII characters.",
		});
	}
	const caller = request.caller;
	// Guests have no identity; their address keeps one guest's key from replaying
	// another guest's answer.
	const who =
		caller.kind === "guest"
			? `guest:${request.ip}`
			: `${caller.kind}:${caller.id}`;
	const endpoint = `${request.method} ${request.url.split("?")[0]}`;
	return {
		scope: `${who} ${endpoint}`,
		key,
		requestHash: sha256Hex(JSON.stringify(body)),
		respond,
	};
}
