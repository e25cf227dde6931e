import { KeyObject, randomBytes, webcrypto } from "node:crypto";
import { isIP } from "node:net";

/** What a self-signed certificate is for: the names it covers and how long. */
export interface SelfSignedCertificateOptions {
	/** DNS names and IP addresses (v4 or v6); the first becomes the subject's CN. */
	hosts: string[];
	/** Days from `now` until the certificate expires. */
	days: number;
	now?: Date;
}

/** A certificate and its private key, both PEM (the key in PKCS #8). */
export interface SelfSignedCertificate {
	certPem: string;
	keyPem: string;
	notAfter: Date;
}

/** ECDSA over P-256, signed with SHA-256: every TLS client of the last decade takes it. */
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
/** id-kp-serverAuth (RFC 5280 section 4.2.1.12). */
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

/**
 * Makes a self-signed TLS server certificate for `hosts`, with a fresh P-256 key.
 * It is its own issuer and not a CA (`CA:FALSE`: Firefox refuses a CA certificate
 * as a server's), so trusting it trusts this one certificate only.
 *
 * The X.509 library, @peculiar/x509, is imported here, on demand, so the server never
 * loads it. It needs a Reflect metadata polyfill, imported first: that adds to the
 * global `Reflect` of the process that makes a certificate (the CLI), nowhere else.
 *
 * @example const { certPem, keyPem } = await createSelfSignedCertificate({ hosts: ["localhost", "127.0.0.1"], days: 365 });
 */
export async function createSelfSignedCertificate(
	options: SelfSignedCertificateOptions,
): Promise<SelfSignedCertificate> {
	await import("reflect-metadata");
	const x509 = await import("@peculiar/x509");
	const { subtle } = webcrypto;
	const keys = await subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
	const now = options.now ?? new Date();
	// A minute back, so a client whose clock runs a little behind accepts it at once.
	const notBefore = new Date(now.getTime() - 60_000);
	const notAfter = new Date(now.getTime() + options.days * 86_400_000);
	const cert = await x509.X509CertificateGenerator.createSelfSigned(
		{
			serialNumber: randomSerialNumber(),
			name: [
				{ CN: [options.hosts[0] ?? "localhost"] },
				{ O: ["Basalt development certificate"] },
			],
			notBefore,
			notAfter,
			signingAlgorithm: ALGORITHM,
			keys,
			extensions: await serverExtensions(x509, keys.publicKey, options.hosts),
		},
		webcrypto,
	);
	const keyPem = KeyObject.from(keys.privateKey).export({
		type: "pkcs8",
		format: "pem",
	}) as string;
	return { certPem: cert.toString("pem"), keyPem, notAfter };
}

/** A TLS server's extensions: not a CA, signing only, `serverAuth`, the SANs. */
async function serverExtensions(
	x509: typeof import("@peculiar/x509"),
	publicKey: webcrypto.CryptoKey,
	hosts: string[],
) {
	return [
		new x509.BasicConstraintsExtension(false, undefined, true),
		new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
		new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
		await x509.SubjectKeyIdentifierExtension.create(
			publicKey,
			false,
			webcrypto,
		),
		new x509.SubjectAlternativeNameExtension(
			hosts.map((host) => ({ type: isIP(host) ? "ip" : "dns", value: host })),
		),
	];
}

/**
 * A positive 127-bit serial number. Serials must differ between certificates of one
 * issuer: Firefox refuses a second certificate with the issuer and serial of one it
 * has seen (`SEC_ERROR_REUSED_ISSUER_AND_SERIAL`), and every run has the same issuer.
 */
function randomSerialNumber(): string {
	const bytes = randomBytes(16);
	bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
	return bytes.toString("hex");
}
