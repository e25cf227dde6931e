import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../tools/logger/index.js";

const MAX_AGENT = 256;

/**
 * Creates the hook that writes one JSON line per request (SPEC section 9). The route
 * is the template (`/api/v1/collections/:collection/records`), not the raw URL, and
 * client-sent text is cut short so a hostile header cannot bloat the line.
 */
export function createRequestLogHook(logger: Logger) {
	return function logRequest(
		request: FastifyRequest,
		reply: FastifyReply,
		done: () => void,
	): void {
		const status = reply.statusCode;
		if (!logger.isLevelEnabled(status >= 500 ? "error" : "info")) {
			done();
			return;
		}
		const caller = request.caller ?? { kind: "guest" };
		const agent = request.headers["user-agent"];
		const line = {
			requestId: request.id,
			method: request.method,
			route: request.routeOptions.url ?? "(unmatched)",
			status,
			durationMs: Math.round(reply.elapsedTime * 100) / 100,
			caller: {
				type: caller.kind,
				id: "id" in caller ? caller.id : undefined,
				// Which API key or client token acted: the id only, never the secret.
				via:
					caller.kind !== "guest" && caller.grant ? caller.grant.id : undefined,
			},
			ip: request.ip,
			userAgent:
				typeof agent === "string" ? agent.slice(0, MAX_AGENT) : undefined,
		};
		if (status >= 500) logger.error(line, "request");
		else logger.info(line, "request");
		done();
	};
}
