import net from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

/** Sends raw bytes and reads everything until the server closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = net.connect(port, "127.0.0.1");
		let answer = "";
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`no close after: ${answer}`));
		}, 5_000);
		socket.on("data", (chunk) => {
			answer += chunk;
		});
		socket.on("error", () => {});
		socket.on("close", () => {
			clearTimeout(timer);
			resolve(answer);
		});
		socket.write(request);
	});
}

/** The status line, the headers (lower-cased names) and the parsed body of a raw answer. */
function parse(answer: string) {
	const [head = "", body = ""] = answer.split("\r\n\r\n");
	const [statusLine = "", ...lines] = head.split("\r\n");
	const headers = Object.fromEntries(
		lines.map((line) => {
			const at = line.indexOf(":");
			return [line.slice(0, at).toLowerCase(), line.slice(at + 1).trim()];
		}),
	);
	return {
		status: Number(statusLine.split(" ")[1]),
		headers,
		body: JSON.parse(body),
	};
}

// Methods (docs/api.md#conventions): a path that exists answers 405 with `Allow` to
// a method it does not take; TRACE and methods Node.js does not know are refused on
// every path; whatever the HTTP parser refuses still gets problem+json.
describe("methods and malformed requests", () => {
	let t: TestApp;
	let port: number;
	beforeAll(async () => {
		t = await createTestApp("sqlite", inject("postgresUrl"));
		await t.server.listen({ host: "127.0.0.1", port: 0 });
		port = (t.server.server.address() as net.AddressInfo).port;
	});
	afterAll(async () => {
		await t?.close();
	});

	it("answers 405 with Allow for a method a path does not take", async () => {
		const put = await t.request("PUT", "/api/v1/collections");
		expect(put.status).toBe(405);
		expect(put.body.code).toBe("METHOD_NOT_ALLOWED");
		expect(put.headers.allow).toBe("GET, HEAD, OPTIONS, POST");
		const onRecord = await t.request(
			"POST",
			"/api/v1/collections/users/records/some-id",
		);
		expect(onRecord.status).toBe(405);
		expect(onRecord.headers.allow).toBe(
			"DELETE, GET, HEAD, OPTIONS, PATCH, PUT",
		);
		// A path that does not exist stays a 404.
		const nowhere = await t.request("PUT", "/api/v1/nowhere");
		expect(nowhere.status).toBe(404);
		expect(nowhere.body.code).toBe("ROUTE_NOT_FOUND");
	});

	it("refuses TRACE on every path, existing or not", async () => {
		for (const path of ["/api/v1/collections", "/health/live", "/nowhere"]) {
			const traced = await t.request("TRACE" as "GET", path);
			expect(traced.status, path).toBe(405);
			expect(traced.body.code, path).toBe("METHOD_NOT_ALLOWED");
			expect(traced.headers["content-type"]).toContain(
				"application/problem+json",
			);
		}
	});

	it("answers a method Node.js does not know with 405 problem+json", async () => {
		const answer = parse(
			await rawExchange(
				port,
				"FOO /api/v1/collections HTTP/1.1\r\nHost: x\r\n\r\n",
			),
		);
		expect(answer.status).toBe(405);
		expect(answer.headers["content-type"]).toBe("application/problem+json");
		expect(answer.headers["x-content-type-options"]).toBe("nosniff");
		expect(answer.body).toMatchObject({
			status: 405,
			code: "METHOD_NOT_ALLOWED",
		});
	});

	it("answers a malformed request and oversized headers with problem+json", async () => {
		const malformed = parse(
			await rawExchange(port, "GET / HTTP/1.1\r\nNot a header\r\n\r\n"),
		);
		expect(malformed.status).toBe(400);
		expect(malformed.body.code).toBe("MALFORMED_REQUEST");
		const huge = parse(
			await rawExchange(
				port,
				`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
			),
		);
		expect(huge.status).toBe(431);
		expect(huge.body.code).toBe("HEADERS_TOO_LARGE");
		expect(huge.headers["content-security-policy"]).toContain(
			"default-src 'none'",
		);
	});
});
