import type { IncomingMessage } from "node:http";
import { finished, PassThrough, type Readable } from "node:stream";

/**
 * Hands a request body to a consumer as a stream of its own. A consumer that gives up
 * destroys what it reads (`stream.pipeline` does, on any error); destroying the request
 * itself would stop the connection from reading for good, so the answer would go out
 * but the rest of the body and the next request on the connection would never be read.
 * Destroying the returned stream only stops the copy; the request is left to
 * bindUnreadBodyDrain.
 */
export function detachRequestBody(request: IncomingMessage): Readable {
	const body = new PassThrough();
	request.pipe(body);
	// `pipe` passes on data and the end, not failures: a client that goes away mid-upload
	// must fail the consumer, not leave it waiting.
	finished(request, (err) => {
		if (err) body.destroy(err);
	});
	return body;
}
