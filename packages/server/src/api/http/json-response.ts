import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../core/errors/index.js";
import {
	type CachedAnswer,
	etagMatches,
	etagOf,
} from "../../core/records/index.js";

/**
 * Sends a JSON body with a strong ETag of its bytes; a GET whose If-None-Match names
 * that tag gets 304 with no body (RFC 9110 section 13.1.2).
 */
export function sendWithEtag(
	request: FastifyRequest,
	reply: FastifyReply,
	status: number,
	value: unknown,
): FastifyReply {
	const body = JSON.stringify(value);
	const etag = etagOf(body);
	reply.header("etag", etag).header("cache-control", "private, no-cache");
	const ifNoneMatch = request.headers["if-none-match"];
	if (
		request.method === "GET" &&
		typeof ifNoneMatch === "string" &&
		etagMatches(ifNoneMatch, etag)
	) {
		return reply.code(304).send();
	}
	return reply.code(status).type("application/json; charset=utf-8").send(body);
}

/**
 * Sends a read's answer as the records layer made it (docs/caching.md#headers): its
 * JSON text and strong ETag, and `X-Cache` saying whether it came from the cache.
 * A GET whose If-None-Match names the tag gets 304 with the same headers.
 */
export function sendAnswer(
	request: FastifyRequest,
	reply: FastifyReply,
	answer: CachedAnswer,
): FastifyReply {
	reply
		.header("etag", answer.etag)
		.header("cache-control", "private, no-cache")
		.header("x-cache", answer.cache);
	const ifNoneMatch = request.headers["if-none-match"];
	if (typeof ifNoneMatch === "string" && etagMatches(ifNoneMatch, answer.etag))
		return reply.code(304).send();
	return reply
		.code(200)
		.type("application/json; charset=utf-8")
		.send(answer.body);
}

/** Returns the body as a JSON object, or throws INVALID_BODY for arrays, scalars and null. */
export function objectBody(body: unknown): Record<string, unknown> {
	if (typeof body === "object" && body !== null && !Array.isArray(body))
		return body as Record<string, unknown>;
	throw new AppError("INVALID_BODY", {
		detail: "The body must be a JSON object.",
	});
}

/** Reads one header as a single string (the first, if repeated). */
export function headerOf(
	request: FastifyRequest,
	name: string,
): string | undefined {
	const value = request.headers[name];
	return Array.isArray(value) ? value[0] : value;
}
