import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestLogWriter } from "../core/logs/index.js";
import type { Logger } from "../tools/logger/index.js";

const MAX_AGENT = 256;

/** Probes and scrapes: polled every few seconds, they would crowd out the request log table. */
function isProbe(route: string): boolean {
	return route === "/metrics" || route.startsWith("/health");
}

/**
 * Creates the hook that writes one JSON line per request (SPEC section 9) and hands
 * the request to the request log table's writer (which only buffers it). The route is
 * the template (`/api/v1/collections/:collection/records`), not the raw URL, and
 * client-sent text is cut short so a hostile header cannot bloat the line.
 */
export function createRequestLogHook(
	logger: Logger,
	requestLogs: RequestLogWriter,
) {
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
		if (logger.isLevelEnabled(status >= 500 ? "error" : "info")) {
			const line = {
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
			if (status >= 500) logger.error(line, "request");
			else logger.info(line, "request");
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
