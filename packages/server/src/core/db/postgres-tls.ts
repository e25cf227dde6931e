import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { type ConnectionOptions, connect as connectTls } from "node:tls";
import pg from "pg";
import { POSTGRES_TLS_PARAMS, type PostgresTls } from "../config/index.js";

/** How long asking the server whether it speaks TLS (sslmode=prefer) may take. */
const PROBE_TIMEOUT_MS = 10_000;

/** What node-postgres is given: a URL without TLS parameters, and TLS settings. */
export interface PostgresConnection {
	connectionString: string;
	ssl: false | ConnectionOptions;
}

/**
 * Builds node-postgres's settings for DATABASE_URL
 * (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq). The URL loses its TLS
 * parameters: node-postgres would read sslmode its own way, and its reading would
 * replace `ssl`. `ssl` is `false` for plain TCP, else the options of the TLS
 * handshake: the certificate is checked for its CA and host name (`full`), its CA
 * only (`ca`: any host name passes), or not at all (`none`). It is always given, so
 * node-postgres never takes TLS settings of its own from PGSSLMODE.
 */
export async function postgresConnection(
	url: string,
	tls: PostgresTls | undefined,
): Promise<PostgresConnection> {
	const connectionString = withoutTlsParams(url);
	return { connectionString, ssl: await sslOptions(connectionString, tls) };
}

async function sslOptions(
	url: string,
	tls: PostgresTls | undefined,
): Promise<false | ConnectionOptions> {
	if (!tls) return false;
	if (!tls.required && !(await offersTls(url))) return false;
	return {
		rejectUnauthorized: tls.verify !== "none",
		...(tls.verify === "ca" ? { checkServerIdentity: () => undefined } : {}),
		...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
		...(tls.clientCert
			? {
					cert: readFileSync(tls.clientCert.certFile),
					key: readFileSync(tls.clientCert.keyFile),
				}
			: {}),
	};
}

/**
 * Asks the server whether it speaks TLS, as libpq's `prefer` does before each
 * connection; Basalt asks once, when the pool opens. The SSLRequest message is
 * answered with one byte, `S` or `N` (PostgreSQL docs, "Message Flow", SSL Session
 * Encryption). After `S` the handshake is finished and the connection closed
 * cleanly: a client that just hangs up makes the server log "could not accept SSL
 * connection: EOF detected" (seen with PostgreSQL 15).
 */
function offersTls(url: string): Promise<boolean> {
	// Host and port as node-postgres resolves them (URL, PGHOST/PGPORT, defaults).
	const { host, port } = new pg.Client({ connectionString: url });
	return new Promise((resolve, reject) => {
		const socket = connect({ host, port });
		socket.setTimeout(PROBE_TIMEOUT_MS, () =>
			socket.destroy(
				new Error(
					`PostgreSQL at ${host}:${port} did not say within ${PROBE_TIMEOUT_MS} ms whether it speaks TLS (sslmode=prefer)`,
				),
			),
		);
		socket.once("error", reject);
		// After an answer this rejects a settled promise: nothing happens.
		socket.once("close", () =>
			reject(
				new Error(
					`PostgreSQL at ${host}:${port} closed the connection before saying whether it speaks TLS`,
				),
			),
		);
		socket.once("connect", () => {
			const request = Buffer.alloc(8);
			request.writeInt32BE(8, 0);
			request.writeInt32BE(80877103, 4);
			socket.write(request);
		});
		socket.once("data", (answer) => {
			if (answer[0] !== 0x53) {
				socket.destroy();
				resolve(false);
				return;
			}
			resolve(true);
			// `prefer` checks no certificate; a failed handshake is the pool's to report.
			const secure = connectTls({ socket, rejectUnauthorized: false });
			secure.once("secureConnect", () => secure.end());
			secure.once("error", () => secure.destroy());
		});
	});
}

function withoutTlsParams(raw: string): string {
	const params = new URL(raw).searchParams;
	if (!POSTGRES_TLS_PARAMS.some((name) => params.has(name))) return raw;
	const kept = new URLSearchParams(
		[...params].filter(([name]) => !POSTGRES_TLS_PARAMS.includes(name)),
	).toString();
	const base = raw.slice(0, raw.indexOf("?"));
	return kept === "" ? base : `${base}?${kept}`;
}
