// HTTPS for the TLS row: a development certificate made by `basalt cert dev`, and
// requests that trust it alone (fetch cannot be given a CA per request).
import { readFileSync } from "node:fs";
import { request } from "node:https";
import path from "node:path";
import { BASALT_MAIN } from "../lib/basalt-server.mjs";
import { outputOf } from "../lib/child-processes.mjs";

/**
 * Writes a throwaway certificate for localhost and 127.0.0.1 into `<workDir>/tls`
 * with `basalt cert dev` (docs/security.md#a-certificate-for-development); returns
 * the paths of the certificate and its key.
 */
export async function createDevCertificate(children, workDir) {
	const dir = path.join(workDir, "tls");
	const child = children.start(
		"basalt cert dev",
		BASALT_MAIN,
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
 * `caFile`; resolves with the status, the body, and the TLS version and cipher the
 * connection agreed on.
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
					resolve({ status: response.statusCode, body, tls }),
				);
			},
		);
		req.on("error", reject);
		req.end();
	});
}
