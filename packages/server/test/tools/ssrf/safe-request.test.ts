import { once } from "node:events";
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
	createAddressPolicy,
	DEFAULT_MAX_BODY_BYTES,
	type LookupFn,
	SsrfError,
	safeRequest,
} from "../../../src/tools/ssrf/index.js";

/** What a test server saw of one request. */
interface Hit {
	method: string | undefined;
	url: string | undefined;
	headers: IncomingHttpHeaders;
	body: string;
	remoteAddress: string | undefined;
}

/** A real HTTP server on 127.0.0.1 that records every request it gets. */
interface TestServer {
	port: number;
	hits: Hit[];
}

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
	await Promise.all(closers.splice(0).map((close) => close()));
});

/** Starts an HTTP server on 127.0.0.1; `respond` answers after the body is read. */
async function startServer(
	respond: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
	const hits: Hit[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			hits.push({
				method: req.method,
				url: req.url,
				headers: req.headers,
				body: Buffer.concat(chunks).toString(),
				remoteAddress: req.socket.remoteAddress,
			});
			respond(req, res);
		});
	});
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	closers.push(async () => {
		server.closeAllConnections();
		server.close();
		await once(server, "close");
	});
	return { port: (server.address() as AddressInfo).port, hits };
}

const loopbackAllowed = createAddressPolicy(["127.0.0.1/32"]);
const GET = { method: "GET", headers: {}, timeoutMs: 5_000 };

describe("safeRequest", () => {
	it("delivers the method, headers and body, and returns the response", async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(201, {
				"content-type": "application/json",
				"x-reply": "yes",
			});
			res.end('{"ok":true}');
		});
		const body = JSON.stringify({ event: "record.created", id: "r1" });
		const res = await safeRequest(
			`http://127.0.0.1:${server.port}/hooks/in?source=basalt`,
			{
				method: "POST",
				headers: {
					"content-type": "application/json",
					"X-Basalt-Signature": "sha256=abc",
					Host: "spoofed.example",
				},
				body,
				timeoutMs: 5_000,
			},
			loopbackAllowed,
		);
		expect(res.status).toBe(201);
		expect(res.headers["x-reply"]).toBe("yes");
		expect(res.body.toString()).toBe('{"ok":true}');
		expect(res.truncated).toBe(false);
		expect(server.hits).toHaveLength(1);
		const [hit] = server.hits;
		expect(hit).toMatchObject({
			method: "POST",
			url: "/hooks/in?source=basalt",
			body,
		});
		expect(hit?.headers["x-basalt-signature"]).toBe("sha256=abc");
		expect(hit?.headers["content-length"]).toBe(
			String(Buffer.byteLength(body)),
		);
		// The Host header always names the URL's host: a caller cannot aim it elsewhere.
		expect(hit?.headers.host).toBe(`127.0.0.1:${server.port}`);
	});

	it("sends a Buffer body byte for byte", async () => {
		const server = await startServer((_req, res) => res.end());
		const body = Buffer.from("héllo wörld");
		await safeRequest(
			`http://127.0.0.1:${server.port}/`,
			{ method: "PUT", headers: {}, body, timeoutMs: 5_000 },
			loopbackAllowed,
		);
		expect(server.hits[0]?.body).toBe("héllo wörld");
		expect(server.hits[0]?.method).toBe("PUT");
	});

	it("returns a 302 as is and does not follow it", async () => {
		const target = await startServer((_req, res) => res.end("landed"));
		const redirector = await startServer((_req, res) => {
			res.writeHead(302, {
				location: `http://127.0.0.1:${target.port}/landing`,
			});
			res.end("moved");
		});
		const res = await safeRequest(
			`http://127.0.0.1:${redirector.port}/start`,
			GET,
			loopbackAllowed,
		);
		expect(res.status).toBe(302);
		expect(res.headers.location).toBe(
			`http://127.0.0.1:${target.port}/landing`,
		);
		expect(res.body.toString()).toBe("moved");
		expect(redirector.hits).toHaveLength(1);
		expect(target.hits).toHaveLength(0);
	});

	it("rejects with a TimeoutError when the server never answers", async () => {
		const server = await startServer(() => {
			// Never respond.
		});
		const started = Date.now();
		const err = await safeRequest(
			`http://127.0.0.1:${server.port}/slow`,
			{ ...GET, timeoutMs: 200 },
			loopbackAllowed,
		).catch((caught: unknown) => caught);
		const elapsed = Date.now() - started;
		expect(err).toBeInstanceOf(Error);
		expect((err as Error).name).toBe("TimeoutError");
		expect((err as Error).message).toContain("200 ms");
		expect(elapsed).toBeGreaterThanOrEqual(190);
		expect(elapsed).toBeLessThan(2_000);
		expect(server.hits).toHaveLength(1);
	});

	it("times out a body that trickles in after the headers", async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200, { "content-type": "text/plain" });
			res.write("first bytes");
			// ...and the rest never comes.
		});
		const err = await safeRequest(
			`http://127.0.0.1:${server.port}/`,
			{ ...GET, timeoutMs: 300 },
			loopbackAllowed,
		).catch((caught: unknown) => caught);
		expect((err as Error).name).toBe("TimeoutError");
	});

	it("keeps the first 64 KiB of a large body", async () => {
		const big = Buffer.alloc(1024 * 1024, "a");
		big.write("START", 0);
		const server = await startServer((_req, res) => {
			res.writeHead(200, { "content-length": String(big.length) });
			res.end(big);
		});
		const res = await safeRequest(
			`http://127.0.0.1:${server.port}/big`,
			GET,
			loopbackAllowed,
		);
		expect(DEFAULT_MAX_BODY_BYTES).toBe(64 * 1024);
		expect(res.status).toBe(200);
		expect(res.body.length).toBe(DEFAULT_MAX_BODY_BYTES);
		expect(res.body.subarray(0, 5).toString()).toBe("START");
		expect(res.truncated).toBe(true);
	});

	it("returns at the cap without waiting for a body that never ends", async () => {
		const server = await startServer((_req, res) => {
			res.writeHead(200);
			const chunk = Buffer.alloc(16 * 1024, "z");
			const pump = () => {
				if (!res.destroyed) res.write(chunk, () => setTimeout(pump, 1));
			};
			pump();
		});
		const started = Date.now();
		const res = await safeRequest(
			`http://127.0.0.1:${server.port}/stream`,
			GET,
			loopbackAllowed,
		);
		expect(res.truncated).toBe(true);
		expect(res.body.length).toBe(DEFAULT_MAX_BODY_BYTES);
		expect(Date.now() - started).toBeLessThan(GET.timeoutMs);
	});

	it("honours a smaller cap and does not flag a body that fits exactly", async () => {
		const server = await startServer((_req, res) => res.end("0123456789"));
		const url = `http://127.0.0.1:${server.port}/`;
		const cut = await safeRequest(
			url,
			{ ...GET, maxBodyBytes: 4 },
			loopbackAllowed,
		);
		expect(cut.body.toString()).toBe("0123");
		expect(cut.truncated).toBe(true);
		const exact = await safeRequest(
			url,
			{ ...GET, maxBodyBytes: 10 },
			loopbackAllowed,
		);
		expect(exact.body.toString()).toBe("0123456789");
		expect(exact.truncated).toBe(false);
	});

	it("connects to the pinned address and keeps the name in the Host header", async () => {
		const server = await startServer((_req, res) => res.end("pinned"));
		let lookups = 0;
		// First answer passes the check; any later lookup would be a rebinding attempt.
		const lookup: LookupFn = async (hostname) => {
			lookups += 1;
			expect(hostname).toBe("hooks.test");
			return [
				{ address: lookups === 1 ? "127.0.0.1" : "10.255.255.1", family: 4 },
			];
		};
		const res = await safeRequest(
			`http://hooks.test:${server.port}/in`,
			GET,
			loopbackAllowed,
			{ lookup },
		);
		expect(res.body.toString()).toBe("pinned");
		expect(lookups).toBe(1);
		expect(server.hits).toHaveLength(1);
		expect(server.hits[0]?.headers.host).toBe(`hooks.test:${server.port}`);
		expect(server.hits[0]?.remoteAddress).toBe("127.0.0.1");
	});

	it("sends the URL's host name as TLS SNI while connecting to the pinned address", async () => {
		// A plain TCP server is enough: SNI travels in clear in the ClientHello.
		const sockets = new Set<Socket>();
		const hellos: Buffer[] = [];
		const tcp = createTcpServer((socket) => {
			sockets.add(socket);
			socket.once("data", (hello: Buffer) => {
				hellos.push(hello);
				socket.destroy();
			});
		});
		tcp.listen(0, "127.0.0.1");
		await once(tcp, "listening");
		closers.push(async () => {
			for (const socket of sockets) socket.destroy();
			tcp.close();
			await once(tcp, "close");
		});
		const port = (tcp.address() as AddressInfo).port;
		const lookup: LookupFn = async () => [{ address: "127.0.0.1", family: 4 }];
		const err = await safeRequest(
			`https://hooks.test:${port}/`,
			GET,
			loopbackAllowed,
			{ lookup },
		).catch((caught: unknown) => caught);
		expect(err).toBeInstanceOf(Error);
		expect(err).not.toBeInstanceOf(SsrfError);
		expect(hellos).toHaveLength(1);
		expect(hellos[0]?.[0]).toBe(0x16); // a TLS handshake record
		expect(hellos[0]?.includes("hooks.test")).toBe(true);
	});

	it("refuses loopback before connecting when it is not allowlisted", async () => {
		const server = await startServer((_req, res) =>
			res.end("should not happen"),
		);
		const open = createAddressPolicy([]);
		const lookup: LookupFn = async () => [{ address: "127.0.0.1", family: 4 }];
		for (const url of [
			`http://127.0.0.1:${server.port}/`,
			`http://2130706433:${server.port}/`,
			`http://hooks.test:${server.port}/`,
		]) {
			const err = await safeRequest(url, GET, open, { lookup }).catch(
				(caught: unknown) => caught,
			);
			expect(err).toBeInstanceOf(SsrfError);
			expect((err as SsrfError).reason).toContain("(127.0.0.1)");
		}
		expect(server.hits).toHaveLength(0);
	});

	it("refuses a non-http scheme without touching the network", async () => {
		const err = await safeRequest(
			"file:///etc/passwd",
			GET,
			loopbackAllowed,
		).catch((caught: unknown) => caught);
		expect((err as SsrfError).reason).toBe(
			"only http and https URLs are allowed",
		);
	});

	it("counts a slow DNS answer against the timeout", async () => {
		const lookup: LookupFn = () =>
			new Promise((resolve) =>
				setTimeout(() => resolve([{ address: "127.0.0.1", family: 4 }]), 1_000),
			);
		const started = Date.now();
		const err = await safeRequest(
			"http://slow-dns.test/",
			{ ...GET, timeoutMs: 100 },
			loopbackAllowed,
			{ lookup },
		).catch((caught: unknown) => caught);
		expect((err as Error).name).toBe("TimeoutError");
		expect(Date.now() - started).toBeLessThan(900);
	});
});
