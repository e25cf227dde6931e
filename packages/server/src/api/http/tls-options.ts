import { constants } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Server as HttpsServer } from "node:https";
import type { SecureContextOptions, TlsOptions } from "node:tls";

/**
 * The TLS 1.2 suites offered: forward secret (ECDHE) and authenticated encryption
 * (GCM, ChaCha20-Poly1305) only, the Mozilla "intermediate" list. TLS 1.3 has only
 * such suites, and Node.js keeps its defaults for them.
 */
export const TLS12_CIPHERS = [
	"ECDHE-ECDSA-AES128-GCM-SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305",
	"ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * The HTTPS listener's TLS settings from BASALT_TLS_CERT and BASALT_TLS_KEY
 * (docs/security.md#tls): TLS 1.2 and 1.3 only, TLS 1.2 with TLS12_CIPHERS only,
 * no compression (CRIME) and no renegotiation (a client could make the server do
 * a full handshake's work over and over).
 */
export function tlsOptions(files: {
	certFile: string;
	keyFile: string;
}): TlsOptions & SecureContextOptions & { cert: Buffer; key: Buffer } {
	return {
		cert: readFileSync(files.certFile),
		key: readFileSync(files.keyFile),
		minVersion: "TLSv1.2",
		ciphers: TLS12_CIPHERS,
		honorCipherOrder: true,
		secureOptions:
			constants.SSL_OP_NO_COMPRESSION | constants.SSL_OP_NO_RENEGOTIATION,
	};
}

/**
 * Loads the certificate and key again into a running HTTPS server, as `basalt serve`
 * does on SIGHUP: new connections get the new certificate, open ones go on with the
 * one they started with, and nothing is dropped. Throws (the server keeps the
 * current certificate) when the files cannot be read or do not make a key pair.
 */
export function reloadTls(
	server: HttpsServer,
	files: { certFile: string; keyFile: string },
): void {
	server.setSecureContext(tlsOptions(files));
}
