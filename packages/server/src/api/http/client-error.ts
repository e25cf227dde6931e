import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type ErrorCode, errorCodes } from "../../core/errors/index.js";
import { problemTypeOf } from "./problem.js";
import type { HeaderList } from "./security-headers.js";

/** What Node's HTTP parser reports, by its error code, and the problem each gets. */
const PROBLEMS: Record<string, { code: ErrorCode; detail: string }> = {
	HPE_INVALID_METHOD: {
		code: "METHOD_NOT_ALLOWED",
		detail: "The request method is not one this server answers.",
	},
	HPE_HEADER_OVERFLOW: {
		code: "HEADERS_TOO_LARGE",
		detail: "The request's headers are larger than the server accepts.",
	},
	ERR_HTTP_REQUEST_TIMEOUT: {
		code: "REQUEST_TIMEOUT",
		detail: "The request did not arrive in time.",
	},
};

/**
 * Answers a request Node's HTTP parser refused before any route could see it (an
 * unknown method, headers too large, a malformed request line, a request that
 * timed out) with a problem+json document and the security headers, like every
 * other error, then closes the connection: what follows on it cannot be trusted to
 * start a request. Fastify's own handler answers these with a body of its own shape.
 */
export function createClientErrorHandler(
	securityHeaders: HeaderList,
): (err: Error & { code?: string }, socket: Socket) => void {
	const headerLines = securityHeaders
		.map(([name, value]) => `${name}: ${value}\r\n`)
		.join("");
	return (err, socket) => {
		// A reset connection has nobody left to answer.
		if (err.code === "ECONNRESET" || socket.destroyed) return;
		const { code, detail } = PROBLEMS[err.code ?? ""] ?? {
			code: "MALFORMED_REQUEST" as const,
			detail: "The request is not valid HTTP/1.1.",
		};
		const { status, title } = errorCodes[code];
		const body = JSON.stringify({
			type: problemTypeOf(code),
			title,
			status,
			detail,
			code,
			requestId: randomUUID(),
		});
		if (socket.writable)
			socket.write(
				`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
					"content-type: application/problem+json\r\n" +
					`content-length: ${Buffer.byteLength(body)}\r\n` +
					(code === "METHOD_NOT_ALLOWED" ? "allow: \r\n" : "") +
					headerLines +
					"connection: close\r\n\r\n" +
					body,
			);
		socket.destroy();
	};
}
