import { ConfigError } from "./config-error.js";
import { checkPemFile } from "./pem-file.js";

/** The sslmode values DATABASE_URL takes: libpq's (less `allow`), and node-postgres's `no-verify`. */
export const SSL_MODES = [
	"disable",
	"prefer",
	"require",
	"verify-ca",
	"verify-full",
	"no-verify",
] as const;

/** One of SSL_MODES. */
export type SslMode = (typeof SSL_MODES)[number];

/** How Basalt's connections to PostgreSQL are encrypted (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq). */
export interface PostgresTls {
	/** The sslmode it comes from (`ssl=true` counts as `verify-full`). */
	mode: SslMode;
	/** false (`prefer`): TLS when the server offers it, plain TCP when it does not. */
	required: boolean;
	/**
	 * What the server's certificate must be: anything (`none`), signed by a trusted CA
	 * (`ca`), or that and issued for the host name dialled (`full`).
	 */
	verify: "none" | "ca" | "full";
	/** sslrootcert: the CAs trusted instead of Node's bundled list; undefined: the bundled list. */
	caFile: string | undefined;
	/** sslcert and sslkey: a client certificate shown to the server. */
	clientCert: { certFile: string; keyFile: string } | undefined;
}

/** A PostgreSQL server, as DATABASE_URL names it. */
export interface PostgresTarget {
	kind: "postgres";
	/**
	 * DATABASE_URL as given, TLS parameters included (what psql or pg_dump would be
	 * given); node-postgres gets it without them (core/db/postgres-tls.ts).
	 */
	url: string;
	/** undefined: plain TCP (sslmode unset or `disable`, or a Unix socket). */
	tls: PostgresTls | undefined;
}

/** The TLS parameters Basalt reads; node-postgres never sees them (it reads sslmode differently). */
export const POSTGRES_TLS_PARAMS: readonly string[] = [
	"sslmode",
	"sslrootcert",
	"sslcert",
	"sslkey",
	"ssl",
];

const invalid = (problem: string) => new ConfigError("DATABASE_URL", problem);

/**
 * Reads a postgres:// DATABASE_URL and its TLS parameters with libpq's meanings, one
 * difference aside: with sslmode unset the connection is plain TCP, where libpq would
 * use TLS without checking the certificate (`prefer`). TLS without verification is
 * never a default: it takes `prefer`, `require` (without sslrootcert) or `no-verify`.
 */
export function readPostgresTarget(raw: string): PostgresTarget {
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw invalid("is not a valid postgres:// URL");
	}
	const params = url.searchParams;
	for (const name of params.keys())
		if (
			(name.startsWith("ssl") && !POSTGRES_TLS_PARAMS.includes(name)) ||
			name === "uselibpqcompat"
		)
			throw invalid(
				`${name} is not supported: TLS is set by sslmode, sslrootcert, sslcert and sslkey`,
			);
	const tls = postgresTls(sslMode(params), params);
	return {
		kind: "postgres",
		url: raw,
		// libpq never uses TLS over a Unix socket, whatever sslmode says.
		tls: isUnixSocket(url) ? undefined : tls,
	};
}

function sslMode(params: URLSearchParams): SslMode {
	const mode = params.get("sslmode");
	if (mode !== null) {
		if ((SSL_MODES as readonly string[]).includes(mode)) return mode as SslMode;
		throw invalid(
			`sslmode must be one of ${SSL_MODES.join(", ")}, got "${mode}"`,
		);
	}
	// As libpq 16: sslrootcert=system alone means verify-full.
	if (params.get("sslrootcert") === "system") return "verify-full";
	const ssl = params.get("ssl");
	if (ssl === null || ssl === "false" || ssl === "0") return "disable";
	if (ssl === "true" || ssl === "1") return "verify-full";
	throw invalid(`ssl must be true or false, got "${ssl}" (or use sslmode)`);
}

function postgresTls(
	mode: SslMode,
	params: URLSearchParams,
): PostgresTls | undefined {
	const root = params.get("sslrootcert");
	const clientCert = clientCertificate(params);
	if (mode === "disable") {
		if (root !== null || clientCert)
			throw invalid(
				"sslrootcert, sslcert and sslkey need TLS: set sslmode (verify-full, say)",
			);
		return undefined;
	}
	if (root === "system" && mode !== "verify-full")
		throw invalid(`sslrootcert=system needs sslmode=verify-full, got ${mode}`);
	const caFile = root === null || root === "system" ? undefined : root;
	if (caFile)
		checkPemFile("DATABASE_URL", caFile, "certificate", "sslrootcert");
	if (mode === "verify-ca" && !caFile)
		throw invalid(
			"sslmode=verify-ca needs sslrootcert, the CA that signed the server's certificate (with a public CA, use verify-full)",
		);
	return {
		mode,
		required: mode !== "prefer",
		verify: verifyLevel(mode, caFile),
		caFile,
		clientCert,
	};
}

/** As libpq: `require` with a root certificate checks the chain, like verify-ca. */
function verifyLevel(
	mode: SslMode,
	caFile: string | undefined,
): PostgresTls["verify"] {
	if (mode === "verify-full") return "full";
	if (mode === "verify-ca" || (mode === "require" && caFile)) return "ca";
	return "none";
}

function clientCertificate(params: URLSearchParams) {
	const certFile = params.get("sslcert");
	const keyFile = params.get("sslkey");
	if (certFile === null && keyFile === null) return undefined;
	if (certFile === null || keyFile === null)
		throw invalid("sslcert and sslkey must be set together");
	checkPemFile("DATABASE_URL", certFile, "certificate", "sslcert");
	checkPemFile("DATABASE_URL", keyFile, "private key", "sslkey");
	return { certFile, keyFile };
}

/** The host node-postgres dials: `?host=` wins over the URL's; none is localhost. */
export function postgresHost(url: URL): string {
	return url.searchParams.get("host") ?? (url.hostname || "localhost");
}

/** A host that is a folder (`?host=/var/run/postgresql`, or `%2F…` as the host). */
export function isUnixSocket(url: URL): boolean {
	const host = postgresHost(url);
	return host.startsWith("/") || /^%2f/i.test(host);
}
