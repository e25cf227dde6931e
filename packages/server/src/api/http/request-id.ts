import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Picks the id of a request: the client's `X-Request-Id` when it is a short token
 * (so it cannot inject text into logs), else a new UUID.
 */
export function requestIdOf(req: IncomingMessage): string {
	const sent = req.headers["x-request-id"];
	if (typeof sent === "string" && VALID_REQUEST_ID.test(sent)) return sent;
	return randomUUID();
}
