import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestLogWriter } from "../../core/logs/index.js";
import {
	jsonLinesOf,
	type Logger,
	scrubSecrets,
} from "../../tools/logger/index.js";
import { memoByText } from "../../tools/memo/index.js";

const MAX_AGENT = 256;

/** Probes and scrapes: polled every few seconds, they would crowd out the request log table. */
function isProbe(route: string): boolean {
	return route === "/metrics" || route.startsWith("/health");
}

/** The fields of a request's log line. */
interface RequestLine {
	requestId: string;
	method: string;
	route: string;
	status: number;
	durationMs: number;
	caller: { type: string; id?: string | undefined; via?: string | undefined };
	ip: string;
	userAgent?: string | undefined;
}

/**
 * Creates the hook that writes one JSON line per request (docs/operations.md#logs) and hands
 * the request to the request log table's writer (which only buffers it). The route is
 * the template (`/api/v1/collections/:collection/records`), not the raw URL, and
 * client-sent text is cut short so a hostile header cannot bloat the line.
 *
 * In JSON format the line is built here as text (jsonLinesOf): every request writes
 * one, and pino's generic path cost three times as much. ECS and pretty lines go
 * through pino.
 */
export function createRequestLogHook(
	logger: Logger,
	requestLogs: RequestLogWriter,
) {
	const lines = jsonLinesOf(logger);
	const texts = createLineTexts();
	return function logRequest(
		request: FastifyRequest,
		reply: FastifyReply,
		done: () => void,
	): void {
		const status = reply.statusCode;
		const caller = request.caller ?? { kind: "guest" };
		const agent = request.headers["user-agent"];
		const route = request.routeOptions.url ?? "(unmatched)";
		const durationMs = Math.round(reply.elapsedTime * 100) / 100;
		const callerId = "id" in caller ? caller.id : undefined;
		const userAgent =
			typeof agent === "string" ? agent.slice(0, MAX_AGENT) : undefined;
		const level = status >= 500 ? "error" : "info";
		if (lines ? lines.enabled(level) : logger.isLevelEnabled(level)) {
			const line: RequestLine = {
				requestId: request.id,
				method: request.method,
				route,
				status,
				durationMs,
				caller: {
					type: caller.kind,
					id: callerId,
					// Which API key or client token acted: the id only, never the secret.
					via:
						caller.kind !== "guest" && caller.grant
							? caller.grant.id
							: undefined,
				},
				ip: request.ip,
				userAgent,
			};
			if (lines) {
				// The client sent the id (X-Request-Id): it may look like a credential.
				const clientChoseId = request.headers["x-request-id"] === request.id;
				lines.write(level, membersOf(line, texts, clientChoseId), "request");
			} else logger[level](line, "request");
		}
		if (!isProbe(route))
			requestLogs.add({
				method: request.method,
				route,
				status,
				durationMs,
				callerKind: caller.kind,
				callerId,
				ip: request.ip,
				userAgent,
				requestId: request.id,
			});
		done();
	};
}

const q = JSON.stringify;

/** JSON texts of a request line's values, each computed once per distinct value. */
interface LineTexts {
	/** Basalt's own text (a route template, a method) as JSON. */
	own(text: string): string;
	/** Client-chosen text, scrubbed of credentials, as JSON. */
	scrubbed(text: string): string;
}

/**
 * The line's values repeat request after request: a few routes and methods, and
 * each client's address and user agent. They are scrubbed and quoted once per value
 * (bounded memos), not once per request.
 */
function createLineTexts(): LineTexts {
	return {
		own: memoByText(q, 200),
		scrubbed: memoByText((text) => q(scrubSecrets(text))),
	};
}

/**
 * The line's members as JSON text, in pino's order. What a client chose (the request
 * id it sent, a forwarded address, the user agent) is scrubbed of credentials as
 * pino's stream hook would; the rest is Basalt's own text (route templates, ids, the
 * method the HTTP parser accepted).
 */
function membersOf(
	line: RequestLine,
	texts: LineTexts,
	clientChoseId: boolean,
): string {
	const { caller } = line;
	// An id the client did not send is a UUID requestIdOf made: nothing in it to scrub
	// or escape. Mostly new UUIDs, so not worth a memo entry each.
	const id = clientChoseId
		? q(scrubSecrets(line.requestId))
		: `"${line.requestId}"`;
	let text = `"requestId":${id},"method":${texts.own(line.method)},"route":${texts.own(line.route)},"status":${line.status},"durationMs":${line.durationMs},"caller":{"type":${texts.own(caller.type)}`;
	if (caller.id !== undefined) text += `,"id":${q(caller.id)}`;
	if (caller.via !== undefined) text += `,"via":${q(caller.via)}`;
	text += `},"ip":${texts.scrubbed(line.ip)}`;
	if (line.userAgent !== undefined)
		text += `,"userAgent":${texts.scrubbed(line.userAgent)}`;
	return text;
}
