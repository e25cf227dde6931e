import { execFileSync } from "node:child_process";
import {
	chmodSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
} from "node:fs";
import { get } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/run-cli.js";
import { buildServer, startServerProcess } from "./helpers/spawn-server.js";

/** The variables `basalt cert dev` prints, read from its output. */
function tlsVariables(stdout: string): Record<string, string> {
	const lines = stdout.split("\n");
	const value = (name: string) =>
		lines.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1);
	return {
		BASALT_TLS_CERT: value("BASALT_TLS_CERT") ?? "",
		BASALT_TLS_KEY: value("BASALT_TLS_KEY") ?? "",
	};
}

/** GETs /health/live over HTTPS; resolves with the status or the TLS error's code. */
function probe(
	port: number,
	options: { ca?: Buffer; servername?: string },
): Promise<number | string> {
	return new Promise((resolve) => {
		get(
			{ host: "127.0.0.1", port, path: "/health/live", ...options },
			(res) => {
				res.resume();
				resolve(res.statusCode ?? 0);
			},
		).on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "?"));
	});
}

// `basalt cert dev` (docs/security.md#a-certificate-for-development).
describe("basalt cert dev", () => {
	let dataDir: string;
	let env: Record<string, string>;
	beforeAll(() => {
		buildServer();
		dataDir = mkdtempSync(path.join(tmpdir(), "basalt-cert-"));
		env = { BASALT_DATA_DIR: dataDir };
	}, 120_000);
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it("writes a certificate a real server serves, trusted for localhost and 127.0.0.1", async () => {
		const res = await runCli(
			["cert", "dev", "--host", "dev.example.test", "--host", "10.1.2.3"],
			env,
		);
		expect(res.code, res.stderr).toBe(0);
		const certFile = path.join(dataDir, "tls/dev-cert.pem");
		const keyFile = path.join(dataDir, "tls/dev-key.pem");
		expect(tlsVariables(res.stdout)).toEqual({
			BASALT_TLS_CERT: certFile,
			BASALT_TLS_KEY: keyFile,
		});
		expect(res.stdout).toContain(`curl --cacert ${certFile}`);
		expect(res.stdout).toContain("update-ca-certificates");
		expect(statSync(keyFile).mode & 0o777).toBe(0o600);

		const text = execFileSync("openssl", [
			...["x509", "-in", certFile, "-noout", "-text"],
		]).toString();
		expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
		expect(text).toMatch(/NIST CURVE: P-256/);
		expect(text).toMatch(/CA:FALSE/);
		expect(text).toMatch(/TLS Web Server Authentication/);
		const sans = /Subject Alternative Name:\s*\n\s*(.+)/.exec(text)?.[1];
		expect(sans?.split(", ")).toEqual([
			"DNS:localhost",
			"IP Address:127.0.0.1",
			"IP Address:0:0:0:0:0:0:0:1",
			"DNS:dev.example.test",
			"IP Address:10.1.2.3",
		]);

		const ca = readFileSync(certFile);
		// The helper waits for readiness over HTTPS with this CA and servername localhost.
		const server = await startServerProcess(tlsVariables(res.stdout), { ca });
		try {
			expect(await probe(server.port, { ca, servername: "localhost" })).toBe(
				200,
			);
			// No servername: the client checks the IP address it dialled, 127.0.0.1.
			expect(await probe(server.port, { ca })).toBe(200);
			expect(
				await probe(server.port, { ca, servername: "other.example.test" }),
			).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
			expect(await probe(server.port, { servername: "localhost" })).toBe(
				"DEPTH_ZERO_SELF_SIGNED_CERT",
			);
		} finally {
			await server.stop();
		}
	}, 60_000);

	it("never replaces the files without --force, and keeps the key 0600 with it", async () => {
		const out = path.join(dataDir, "elsewhere");
		const first = await runCli(["cert", "dev", "--out", out], env);
		expect(first.code, first.stderr).toBe(0);
		const certFile = path.join(out, "dev-cert.pem");
		const keyFile = path.join(out, "dev-key.pem");
		const before = [readFileSync(certFile), readFileSync(keyFile)];

		const again = await runCli(["cert", "dev", "--out", out], env);
		expect(again.code).toBe(1);
		expect(again.stderr).toBe(
			`basalt: ${certFile} exists; pass --force to replace it (and trust the new certificate again)\n`,
		);
		expect([readFileSync(certFile), readFileSync(keyFile)]).toEqual(before);

		chmodSync(keyFile, 0o644);
		const forced = await runCli(["cert", "dev", "--out", out, "--force"], env);
		expect(forced.code, forced.stderr).toBe(0);
		expect(readFileSync(certFile).equals(before[0] as Buffer)).toBe(false);
		expect(readFileSync(keyFile).equals(before[1] as Buffer)).toBe(false);
		expect(statSync(keyFile).mode & 0o777).toBe(0o600);
	}, 60_000);

	it("refuses a bad --host or --days with one line", async () => {
		const host = await runCli(["cert", "dev", "--host", "not a host"], env);
		expect(host.code).toBe(1);
		expect(host.stderr).toBe(
			'basalt: --host must be a DNS name or an IP address, got "not a host"\n',
		);
		const days = await runCli(["cert", "dev", "--days", "9000"], env);
		expect(days.code).toBe(1);
		expect(days.stderr).toBe(
			'basalt: --days must be a whole number from 1 to 825, got "9000"\n',
		);
	});
});
