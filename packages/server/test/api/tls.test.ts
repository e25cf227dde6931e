import { execFile, execFileSync } from "node:child_process";
import {
	mkdtempSync,
	readFileSync,
	renameSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { Agent, request } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../helpers/free-port.js";
import {
	buildServer,
	type ServerProcess,
	startServerProcess,
} from "../helpers/spawn-server.js";
import { createTestApp, type TestApp } from "../helpers/test-app.js";

/** Writes a self-signed certificate for localhost and 127.0.0.1 with openssl. */
function selfSignedCertificate(dir: string) {
	const cert = path.join(dir, "cert.pem");
	const key = path.join(dir, "key.pem");
	execFileSync("openssl", [
		...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
		...["-nodes", "-keyout", key, "-out", cert, "-days", "1"],
		...["-subj", "/CN=localhost"],
		...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
	]);
	return { cert, key };
}

/**
 * Tries a handshake with `openssl s_client` and the given protocol and cipher
 * options; the client itself is set to accept anything (security level 0), so a
 * refusal is the server's. Resolves with the protocol and cipher agreed, or
 * undefined when the handshake failed.
 */
function handshake(
	port: number,
	options: string[],
): Promise<{ protocol: string; cipher: string } | undefined> {
	return new Promise((resolve) => {
		const child = execFile(
			"openssl",
			["s_client", "-connect", `127.0.0.1:${port}`, "-brief", ...options],
			{ timeout: 10_000 },
			(_err, stdout, stderr) => {
				const text = `${stdout}\n${stderr}`;
				const protocol = /Protocol version: (\S+)/.exec(text)?.[1];
				const cipher = /Ciphersuite: (\S+)/.exec(text)?.[1];
				resolve(protocol && cipher ? { protocol, cipher } : undefined);
			},
		);
		child.stdin?.end();
	});
}

// The HTTPS listener (docs/security.md#tls), probed with openssl s_client.
describe("TLS", () => {
	let dir: string;
	let t: TestApp;
	let port: number;
	let ca: Buffer;
	beforeAll(async () => {
		dir = mkdtempSync(path.join(tmpdir(), "basalt-tls-"));
		const files = selfSignedCertificate(dir);
		ca = readFileSync(files.cert);
		t = await createTestApp("sqlite", inject("postgresUrl"), {
			BASALT_TLS_CERT: files.cert,
			BASALT_TLS_KEY: files.key,
		});
		await t.server.listen({ host: "127.0.0.1", port: 0 });
		port = (t.server.server.address() as AddressInfo).port;
	});
	afterAll(async () => {
		await t?.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it("serves HTTPS with HSTS to a client that trusts the certificate", async () => {
		const answer = await new Promise<{ status: number; hsts: unknown }>(
			(resolve, reject) => {
				request(
					{
						host: "127.0.0.1",
						port,
						path: "/health/live",
						ca,
						servername: "localhost",
					},
					(res) => {
						res.resume();
						resolve({
							status: res.statusCode ?? 0,
							hsts: res.headers["strict-transport-security"],
						});
					},
				)
					.on("error", reject)
					.end();
			},
		);
		expect(answer).toEqual({
			status: 200,
			hsts: "max-age=31536000; includeSubDomains",
		});
	});

	it("speaks TLS 1.3, and TLS 1.2 with forward-secret AEAD suites only", async () => {
		const anything = ["-cipher", "ALL:@SECLEVEL=0"];
		expect((await handshake(port, ["-tls1_3"]))?.protocol).toBe("TLSv1.3");
		const tls12 = await handshake(port, ["-tls1_2", ...anything]);
		expect(tls12?.protocol).toBe("TLSv1.2");
		expect(tls12?.cipher).toMatch(/^ECDHE-.*(GCM|CHACHA20)/);
		for (const weak of [
			"AES128-SHA",
			"AES256-GCM-SHA384",
			"ECDHE-ECDSA-AES128-SHA",
			"ECDHE-ECDSA-AES128-SHA256",
		])
			expect(
				await handshake(port, ["-tls1_2", "-cipher", `${weak}:@SECLEVEL=0`]),
				weak,
			).toBeUndefined();
		for (const old of ["-tls1", "-tls1_1"])
			expect(await handshake(port, [old, ...anything]), old).toBeUndefined();
	});
});

/** GET /health/live over `agent`: the status, and the certificate the server showed. */
function fingerprintOf(port: number, agent: Agent) {
	return new Promise<{
		status: number;
		fingerprint: string;
		socket: TLSSocket;
	}>((resolve, reject) => {
		request(
			{
				host: "127.0.0.1",
				port,
				path: "/health/live",
				agent,
				servername: "localhost",
			},
			(res) => {
				res.resume();
				const socket = res.socket as TLSSocket;
				resolve({
					status: res.statusCode ?? 0,
					fingerprint: socket.getPeerCertificate().fingerprint256,
					socket,
				});
			},
		)
			.on("error", reject)
			.end();
	});
}

describe("TLS certificate reload on SIGHUP", () => {
	let dir: string;
	let server: ServerProcess;
	let first: { cert: string; key: string };
	let paths: { cert: string; key: string };
	let redirectPort: number;
	beforeAll(async () => {
		buildServer();
		dir = mkdtempSync(path.join(tmpdir(), "basalt-tls-reload-"));
		first = selfSignedCertificate(mkdtempSync(path.join(dir, "a-")));
		paths = {
			cert: path.join(dir, "cert.pem"),
			key: path.join(dir, "key.pem"),
		};
		writeFileSync(paths.cert, readFileSync(first.cert));
		writeFileSync(paths.key, readFileSync(first.key), { mode: 0o600 });
		redirectPort = await freePort();
		server = await startServerProcess(
			{
				BASALT_TLS_CERT: paths.cert,
				BASALT_TLS_KEY: paths.key,
				BASALT_HTTP_REDIRECT_PORT: String(redirectPort),
			},
			{ ca: readFileSync(first.cert) },
		);
	}, 120_000);
	afterAll(async () => {
		await server?.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	it("redirects plain HTTP to the same path over HTTPS, whatever the method and Host", async () => {
		for (const method of ["GET", "POST", "DELETE"]) {
			const answer = await fetch(
				`http://127.0.0.1:${redirectPort}/api/v1/collections/x/records?filter=a%3D1`,
				{ method, redirect: "manual", headers: { host: "evil.example" } },
			);
			expect(answer.status, method).toBe(308);
			expect(answer.headers.get("location")).toBe(
				`https://127.0.0.1:${server.port}/api/v1/collections/x/records?filter=a%3D1`,
			);
			expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
			expect(await answer.text()).toBe("");
		}
	});

	it("gives new connections the new certificate and keeps open ones", async () => {
		const second = selfSignedCertificate(mkdtempSync(path.join(dir, "b-")));
		const ca = [readFileSync(first.cert), readFileSync(second.cert)];
		const open = new Agent({ keepAlive: true, maxSockets: 1, ca });
		const before = await fingerprintOf(server.port, open);
		expect(before.status).toBe(200);
		// Replace both files, as a certificate renewal does, then ask for a reload.
		renameSync(second.cert, paths.cert);
		renameSync(second.key, paths.key);
		server.signal("SIGHUP");
		let fresh = before;
		for (let i = 0; i < 50 && fresh.fingerprint === before.fingerprint; i++) {
			await new Promise((r) => setTimeout(r, 100));
			fresh = await fingerprintOf(server.port, new Agent({ ca }));
		}
		expect(fresh.status).toBe(200);
		expect(fresh.fingerprint).not.toBe(before.fingerprint);
		// The connection opened before the reload still carries requests.
		const again = await fingerprintOf(server.port, open);
		expect(again.socket).toBe(before.socket);
		expect(again.status).toBe(200);
		expect(again.fingerprint).toBe(before.fingerprint);
		open.destroy();

		// A reload from broken files keeps the certificate in use.
		writeFileSync(paths.key, "not a key");
		server.signal("SIGHUP");
		for (let i = 0; i < 50 && !server.output().includes("reload failed"); i++)
			await new Promise((r) => setTimeout(r, 100));
		expect(server.output()).toContain(
			"TLS certificate reload failed; the current certificate stays in use",
		);
		const still = await fingerprintOf(server.port, new Agent({ ca }));
		expect(still.status).toBe(200);
		expect(still.fingerprint).toBe(fresh.fingerprint);
	});
});
