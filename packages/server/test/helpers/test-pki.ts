import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** PEM files of a throwaway certificate authority and what it signed. */
export interface TestPki {
	dir: string;
	/** The test CA's certificate: what a client must trust. */
	caCert: string;
	/** Another CA's certificate, which signed nothing here: trusting it is trusting the wrong CA. */
	otherCaCert: string;
	/** A server certificate for the name `localhost` only (no IP address), signed by the test CA. */
	serverCert: string;
	serverKey: string;
	/** A client certificate (CN=basalt-client), signed by the test CA. */
	clientCert: string;
	clientKey: string;
	remove(): void;
}

const openssl = (args: string[]) =>
	execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });

/** Creates a self-signed CA certificate and its key in `dir`. */
function createCa(dir: string, name: string) {
	const cert = path.join(dir, `${name}.pem`);
	const key = path.join(dir, `${name}.key`);
	openssl([
		...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
		...["-nodes", "-keyout", key, "-out", cert, "-days", "2"],
		...["-subj", `/CN=Basalt test ${name}`],
		...["-addext", "basicConstraints=critical,CA:TRUE"],
		...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
	]);
	return { cert, key };
}

/** Issues a leaf certificate signed by the CA, with the given extensions. */
function issue(
	dir: string,
	name: string,
	ca: { cert: string; key: string },
	subject: string,
	extensions: string,
) {
	const cert = path.join(dir, `${name}.pem`);
	const key = path.join(dir, `${name}.key`);
	const csr = path.join(dir, `${name}.csr`);
	const ext = path.join(dir, `${name}.ext`);
	writeFileSync(ext, extensions);
	openssl([
		...["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
		...["-nodes", "-keyout", key, "-out", csr, "-subj", subject],
	]);
	openssl([
		...["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key],
		...["-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
	]);
	return { cert, key };
}

/**
 * Creates a throwaway PKI with openssl in a new temp dir: a CA, a server certificate
 * it signed for `localhost` (so a client that dials 127.0.0.1 sees a name mismatch), a
 * client certificate, and an unrelated CA. The folder and certificates can be read by
 * every user (a PostgreSQL server runs as `postgres`); the keys only by their owner.
 */
export function createTestPki(): TestPki {
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-pki-"));
	chmodSync(dir, 0o755);
	const ca = createCa(dir, "ca");
	const other = createCa(dir, "other-ca");
	const server = issue(
		dir,
		"server",
		ca,
		"/CN=localhost",
		"subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
	);
	const client = issue(
		dir,
		"client",
		ca,
		"/CN=basalt-client",
		"extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n",
	);
	for (const cert of [ca.cert, other.cert, server.cert, client.cert])
		chmodSync(cert, 0o644);
	return {
		dir,
		caCert: ca.cert,
		otherCaCert: other.cert,
		serverCert: server.cert,
		serverKey: server.key,
		clientCert: client.cert,
		clientKey: client.key,
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}
