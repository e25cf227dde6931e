import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { finished } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

// How long a connection past the drain bound stays half-closed before it is dropped:
// time for the client to read the answer and the FIN behind it. Go's net/http waits
// half a second after a half-close (rstAvoidanceDelay in
// https://github.com/golang/go/blob/master/src/net/http/server.go); a busy client
// (our CI's test process, on two cores shared with the server) took longer than
// that now and then, and the reset then threw its unread answer away. Two seconds
// of a socket per oversized request is a small price for a readable answer.
const LINGER_MS = 2000;

/**
 * Binds the hook that keeps an early answer readable: one sent while the request body
 * is still arriving (413 over the body limit, 401, 415, 404, an import refused
 * half-way). Fastify marks a refused body `Connection: close`, and Node closes such a
 * connection as soon as the answer is written; the client, still sending, gets a reset
 * instead, and loses the answer with it if it has not read it yet (EPIPE or
 * ECONNRESET: the "TCP reset problem" of RFC 9112 section 9.6). So the connection
 * stays open and the rest of the body is read and discarded, up to `maxBytes`; past
 * that the answer is long sent, and the connection is closed in stages.
 */
export function bindUnreadBodyDrain(
	server: FastifyInstance,
	maxBytes: number,
): void {
	server.addHook(
		"onSend",
		function drainUnreadBody(
			request: FastifyRequest,
			reply: FastifyReply,
			payload: unknown,
			done: (err: null, payload: unknown) => void,
		): void {
			const body = request.raw;
			// `complete` is false only while a real connection still carries the body
			// (inject's requests have no such field). A destroyed body cannot be drained.
			if (body.complete === false && !body.destroyed) {
				if (reply.getHeader("connection") === "close")
					reply.removeHeader("connection");
				discardBody(body, reply.raw, maxBytes);
			}
			done(null, payload);
		},
	);
}

/** Reads and drops the rest of `body`; past `maxBytes`, closes once `answer` is sent. */
function discardBody(
	body: IncomingMessage,
	answer: ServerResponse,
	maxBytes: number,
): void {
	const socket = body.socket;
	// Whatever still reads the body (an import's pipe) lets go: under backpressure it
	// would pause the body again and stall the connection.
	body.unpipe();
	let discarded = 0;
	body.on("data", function discardChunk(chunk: Buffer) {
		discarded += chunk.length;
		if (discarded <= maxBytes) return;
		body.removeListener("data", discardChunk);
		body.pause();
		finished(answer, () => closeInStages(socket));
	});
	body.resume();
}

/** Sends a FIN after the answer, then drops the socket once the client had time to read. */
function closeInStages(socket: Socket): void {
	socket.end();
	setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
