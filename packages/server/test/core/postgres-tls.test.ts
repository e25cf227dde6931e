import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase, parseConfig } from "../../src/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import { findBinary } from "../helpers/find-binary.js";
import {
	findPostgresBin,
	type PostgresServer,
	postgresUser,
	startPostgres,
} from "../helpers/postgres-server.js";
import { refusalOf } from "../helpers/refusal.js";
import { createTestPki, type TestPki } from "../helpers/test-pki.js";

// A PostgreSQL of its own with ssl=on and a certificate of a throwaway CA; the run's
// shared cluster (plain TCP only) stands for a server without TLS. Locally a missing
// PostgreSQL or openssl skips the suite; under CI=true it fails instead.
const bin = findPostgresBin();
if (!bin && process.env.CI === "true")
	throw new Error("PostgreSQL binaries not found: CI must run the TLS suites");
const openssl = findBinary("openssl", "outbound TLS");
const silent = createLogger({ level: "silent", format: "json" });

// DATABASE_URL's sslmode, as libpq reads it (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq).
describe.skipIf(!bin || !openssl)("PostgreSQL over TLS", () => {
	let pki: TestPki;
	let server: PostgresServer;
	let port: number;
	let dataDir: string;
	beforeAll(async () => {
		pki = createTestPki();
		dataDir = mkdtempSync(path.join(tmpdir(), "basalt-pg-tls-"));
		const owner = postgresUser();
		chownSync(pki.serverKey, owner.uid, owner.gid);
		server = await startPostgres(bin as string, {
			ssl: "on",
			ssl_cert_file: pki.serverCert,
			ssl_key_file: pki.serverKey,
			// Asks clients for a certificate (optional with trust auth): shows sslcert works.
			ssl_ca_file: pki.caCert,
		});
		port = Number(new URL(server.url).port);
	});
	afterAll(async () => {
		await server?.stop();
		pki?.remove();
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});

	/** DATABASE_URL for the TLS server, dialled by `host`, with these parameters. */
	const urlOf = (host: string, params: Record<string, string> = {}) => {
		const query = new URLSearchParams(params).toString();
		return `postgres://postgres@${host}:${port}/postgres${query ? `?${query}` : ""}`;
	};

	/**
	 * Opens the database as `basalt serve` does for DATABASE_URL (parseConfig, then
	 * openDatabase) and asks PostgreSQL about the connection it got.
	 */
	async function connectionOf(url: string) {
		const config = parseConfig(
			{ DATABASE_URL: url, BASALT_DATA_DIR: dataDir },
			{ cwd: dataDir, stdoutIsTty: false },
		);
		const db = await openDatabase(config, silent);
		try {
			const { rows } = await sql<{ ssl: boolean; client_dn: string | null }>`
				select ssl, client_dn from pg_stat_ssl where pid = pg_backend_pid()`.execute(
				db.kysely,
			);
			return { tls: rows[0]?.ssl, clientDn: rows[0]?.client_dn ?? null };
		} finally {
			await db.close();
		}
	}

	/** Expects the connection refused because no trusted CA signed the certificate. */
	async function expectUntrusted(url: string) {
		const err = await refusalOf(connectionOf(url));
		expect(err.message).toMatch(/self[- ]signed|unable to (get|verify)/i);
	}

	it("verify-full with sslrootcert connects over TLS to the name on the certificate", async () => {
		expect(
			await connectionOf(
				urlOf("localhost", {
					sslmode: "verify-full",
					sslrootcert: pki.caCert,
				}),
			),
		).toEqual({ tls: true, clientDn: null });
	});

	it("verify-full refuses a certificate no trusted CA signed: Node's CAs, or another CA", async () => {
		await expectUntrusted(urlOf("localhost", { sslmode: "verify-full" }));
		await expectUntrusted(
			urlOf("localhost", {
				sslmode: "verify-full",
				sslrootcert: pki.otherCaCert,
			}),
		);
	});

	it("verify-full refuses a host the certificate does not name (127.0.0.1 for a localhost certificate)", async () => {
		const err = await refusalOf(
			connectionOf(
				urlOf("127.0.0.1", {
					sslmode: "verify-full",
					sslrootcert: pki.caCert,
				}),
			),
		);
		expect(err.message).toMatch(/does not match certificate's altnames/);
	});

	it("verify-ca checks the CA but not the host name", async () => {
		expect(
			(
				await connectionOf(
					urlOf("127.0.0.1", {
						sslmode: "verify-ca",
						sslrootcert: pki.caCert,
					}),
				)
			).tls,
		).toBe(true);
		await expectUntrusted(
			urlOf("127.0.0.1", {
				sslmode: "verify-ca",
				sslrootcert: pki.otherCaCert,
			}),
		);
	});

	it("skips the checks only when asked: require and no-verify, and require with sslrootcert checks the CA (libpq)", async () => {
		for (const sslmode of ["require", "no-verify"])
			expect((await connectionOf(urlOf("127.0.0.1", { sslmode }))).tls).toBe(
				true,
			);
		await expectUntrusted(
			urlOf("127.0.0.1", { sslmode: "require", sslrootcert: pki.otherCaCert }),
		);
	});

	it("uses plain TCP without sslmode, whatever PGSSLMODE says", async () => {
		const saved = process.env.PGSSLMODE;
		process.env.PGSSLMODE = "no-verify";
		try {
			expect((await connectionOf(urlOf("localhost"))).tls).toBe(false);
		} finally {
			if (saved === undefined) delete process.env.PGSSLMODE;
			else process.env.PGSSLMODE = saved;
		}
	});

	it("prefer uses TLS when the server offers it and plain TCP when it does not; require then fails", async () => {
		// Every refused handshake makes the server log this line; asking whether it
		// speaks TLS must not (the probe finishes its handshake and closes cleanly).
		const complaints = () =>
			readFileSync(server.logFile, "utf8").split(
				"could not accept SSL connection",
			).length;
		const before = complaints();
		expect(
			(await connectionOf(urlOf("127.0.0.1", { sslmode: "prefer" }))).tls,
		).toBe(true);
		expect(complaints()).toBe(before);
		const plain = inject("postgresUrl") as string;
		expect((await connectionOf(`${plain}?sslmode=prefer`)).tls).toBe(false);
		const err = await refusalOf(connectionOf(`${plain}?sslmode=require`));
		expect(err.message).toMatch(/does not support SSL/);
	});

	it("presents the client certificate of sslcert and sslkey", async () => {
		const { tls, clientDn } = await connectionOf(
			urlOf("localhost", {
				sslmode: "verify-full",
				sslrootcert: pki.caCert,
				sslcert: pki.clientCert,
				sslkey: pki.clientKey,
			}),
		);
		expect(tls).toBe(true);
		expect(clientDn).toMatch(/CN=basalt-client/);
	});
});
