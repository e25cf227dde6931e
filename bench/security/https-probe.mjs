// HTTPS for the TLS row: a development certificate made by `basalt cert dev`, and
// requests that trust it alone (fetch cannot be given a CA per request).
import { readFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { outputOf } from "../lib/child-processes.mjs";

const READY_TIMEOUT_MS = 30_000;

/**
 * Writes a throwaway certificate for localhost and 127.0.0.1 into `<workDir>/tls`
 * with `basalt cert dev` (docs/security.md#a-certificate-for-development); returns
 * the paths of the certificate and its key.
 */
export async function createDevCertificate(children, basaltMain, workDir) {
	const dir = path.join(workDir, "tls");
	const child = children.start(
		"basalt cert dev",
		basaltMain,
		["cert", "dev", "--out", dir, "--days", "2"],
		{ BASALT_DATA_DIR: path.join(workDir, "cert-data") },
	);
	await outputOf(child);
	return {
		cert: path.join(dir, "dev-cert.pem"),
		key: path.join(dir, "dev-key.pem"),
	};
}

/**
 * GETs an https URL on a fresh connection that trusts only the certificate in
 * `caFile`; resolves with the status, headers, body, and the TLS version and cipher
 * the connection agreed on.
 */
export function httpsGet(url, caFile) {
	return new Promise((resolve, reject) => {
		const req = request(
			url,
			{ ca: readFileSync(caFile), agent: false },
			(response) => {
				const tls = {
					protocol: response.socket.getProtocol(),
					cipher: response.socket.getCipher().name,
				};
				let body = "";
				response.setEncoding("utf8");
				response.on("data", (chunk) => {
					body += chunk;
				});
				response.on("end", () =>
					resolve({
						status: response.statusCode,
						headers: response.headers,
						body,
						tls,
					}),
				);
			},
		);
		req.on("error", reject);
		req.end();
	});
}

/** Polls `GET <url>/health/ready` over HTTPS until it answers 200, as waitReady does. */
export async function waitReadyTls(baseUrl, child, caFile) {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`${child.name} exited early: ${child.stderrText}`);
		try {
			const response = await httpsGet(`${baseUrl}/health/ready`, caFile);
			if (response.status === 200) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${child.name} was not ready after ${READY_TIMEOUT_MS} ms`);
}
