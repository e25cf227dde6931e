import { createHmac, timingSafeEqual } from "node:crypto";
import {
	createServer,
	type IncomingHttpHeaders,
	type ServerResponse,
} from "node:http";

/** One request the receiver got. */
export interface ReceivedHook {
	path: string;
	method: string;
	headers: IncomingHttpHeaders;
	/** The raw body, exactly as sent (signatures are over these bytes). */
	body: string;
}

/** How a path answers its n-th request (0-based); the default is 200. */
export type Responder = (
	n: number,
	res: ServerResponse,
	hook: ReceivedHook,
) => void;

/** A real HTTP server on 127.0.0.1 that records what webhooks send it. */
export interface WebhookReceiver {
	/** `http://127.0.0.1:<port><path>`. */
	url(path: string): string;
	/** Sets how a path answers from now on. */
	respond(path: string, responder: Responder): void;
	/** Every request to a path, oldest first. */
	hits(path: string): ReceivedHook[];
	stop(): Promise<void>;
}

/** Starts a webhook receiver on a free loopback port. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
	const received: ReceivedHook[] = [];
	const responders = new Map<string, Responder>();
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const path = req.url ?? "/";
			const hook = {
				path,
				method: req.method ?? "",
				headers: req.headers,
				body: Buffer.concat(chunks).toString("utf8"),
			};
			const n = received.filter((h) => h.path === path).length;
			received.push(hook);
			const responder =
				responders.get(path) ?? ((_n, r: ServerResponse) => r.end("ok"));
			responder(n, res, hook);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: (path) => `http://127.0.0.1:${port}${path}`,
		respond: (path, responder) => responders.set(path, responder),
		hits: (path) => received.filter((h) => h.path === path),
		stop: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * Verifies a `Basalt-Signature` header exactly as docs/webhooks.md tells receivers
 * to: HMAC-SHA256 over `<t>.<raw body>`, compared in constant time, and a timestamp
 * no more than five minutes away.
 */
export function verifyBasaltSignature(
	secret: string,
	header: string,
	rawBody: string,
	toleranceSeconds = 300,
): boolean {
	const parts = new Map(
		header.split(",").map((part) => {
			const i = part.indexOf("=");
			return [part.slice(0, i), part.slice(i + 1)] as const;
		}),
	);
	const t = Number(parts.get("t"));
	if (!Number.isInteger(t)) return false;
	if (Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
	const expected = createHmac("sha256", secret)
		.update(`${t}.${rawBody}`)
		.digest();
	const given = Buffer.from(parts.get("v1") ?? "", "hex");
	return given.length === expected.length && timingSafeEqual(given, expected);
}
