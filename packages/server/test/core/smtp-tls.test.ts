import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailTransportFor, parseConfig } from "../../src/index.js";
import { createLogger } from "../../src/tools/logger/index.js";
import type { MailTransport } from "../../src/tools/mailer/index.js";
import { createSmtpTransport } from "../../src/tools/mailer/smtp-transport.js";
import { findBinary } from "../helpers/find-binary.js";
import { refusalOf } from "../helpers/refusal.js";
import {
	type SmtpTestServer,
	startSmtpTestServer,
} from "../helpers/smtp-test-server.js";
import { createTestPki, type TestPki } from "../helpers/test-pki.js";

// Locally a missing openssl skips the suite; under CI=true it fails instead.
const openssl = findBinary("openssl", "outbound TLS");
const silent = createLogger({ level: "silent", format: "json" });
const MESSAGE = { to: ["ada@example.com"], subject: "Hi", text: "Hello" };

// BASALT_SMTP_URL's smtps:// and smtp:// (STARTTLS), BASALT_SMTP_STARTTLS,
// BASALT_SMTP_CA and BASALT_SMTP_TLS_VERIFY, against real SMTP servers
// (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq).
describe.skipIf(!openssl)("SMTP over TLS", () => {
	let pki: TestPki;
	/** smtps: TLS from the first byte. */
	let implicit: SmtpTestServer;
	/** smtp: offers STARTTLS. */
	let starttls: SmtpTestServer;
	/** smtp: offers no TLS at all. */
	let plain: SmtpTestServer;
	const transports: MailTransport[] = [];
	beforeAll(async () => {
		pki = createTestPki();
		const cert = readFileSync(pki.serverCert);
		const key = readFileSync(pki.serverKey);
		implicit = await startSmtpTestServer({
			tls: { cert, key, implicit: true },
		});
		starttls = await startSmtpTestServer({ tls: { cert, key } });
		plain = await startSmtpTestServer();
	});
	afterAll(async () => {
		for (const transport of transports) await transport.close();
		await Promise.all([implicit?.stop(), starttls?.stop(), plain?.stop()]);
		pki?.remove();
	});

	/** BASALT_SMTP_URL for a server, with its user, dialled by `host`. */
	const urlOf = (
		scheme: "smtp" | "smtps",
		server: SmtpTestServer,
		host = "localhost",
	) =>
		`${scheme}://${server.user}:${encodeURIComponent(server.password)}@${host}:${server.port}`;

	/** Sends one message through the transport `basalt serve` builds from these variables. */
	async function send(env: Record<string, string>) {
		const config = parseConfig(env, { cwd: tmpdir(), stdoutIsTty: false });
		const transport = await mailTransportFor(config, silent);
		transports.push(transport);
		return transport.send(MESSAGE);
	}

	/** Sends one message, which `server` must receive, and returns it as received. */
	async function deliveredTo(
		server: SmtpTestServer,
		env: Record<string, string>,
	) {
		const before = server.messages.length;
		await send(env);
		expect(server.messages).toHaveLength(before + 1);
		return server.messages.at(-1);
	}

	it("smtps:// with BASALT_SMTP_CA delivers over TLS, logged in", async () => {
		const received = await deliveredTo(implicit, {
			BASALT_SMTP_URL: urlOf("smtps", implicit),
			BASALT_SMTP_CA: pki.caCert,
		});
		expect(received).toMatchObject({
			secure: true,
			user: implicit.user,
			to: ["ada@example.com"],
		});
	});

	it("smtps:// refuses a certificate no trusted CA signed (Node's CAs, another CA) and a host it does not name", async () => {
		const before = implicit.messages.length;
		const refused: Record<string, string>[] = [
			{ BASALT_SMTP_URL: urlOf("smtps", implicit) },
			{
				BASALT_SMTP_URL: urlOf("smtps", implicit),
				BASALT_SMTP_CA: pki.otherCaCert,
			},
		];
		for (const env of refused) {
			const err = await refusalOf(send(env));
			expect(err.message).toMatch(/self[- ]signed|unable to (get|verify)/i);
			// Retried later, as a network failure: a renewed certificate ends it.
			expect(err).toMatchObject({ code: "CONNECTION_FAILED", retryable: true });
		}
		const mismatch = await refusalOf(
			send({
				BASALT_SMTP_URL: urlOf("smtps", implicit, "127.0.0.1"),
				BASALT_SMTP_CA: pki.caCert,
			}),
		);
		expect(mismatch.message).toMatch(/does not match certificate's altnames/);
		expect(implicit.messages.length).toBe(before);
	});

	it("smtp:// upgrades with STARTTLS when offered, checking the certificate", async () => {
		const received = await deliveredTo(starttls, {
			BASALT_SMTP_URL: urlOf("smtp", starttls),
			BASALT_SMTP_CA: pki.caCert,
		});
		expect(received).toMatchObject({ secure: true, user: starttls.user });
	});

	it("smtp:// never falls back to plain text when the STARTTLS certificate is refused", async () => {
		const before = {
			messages: starttls.messages.length,
			logins: starttls.authAttempts,
		};
		for (const host of ["localhost", "127.0.0.1"]) {
			const err = await refusalOf(
				send({
					BASALT_SMTP_URL: urlOf("smtp", starttls, host),
					...(host === "127.0.0.1" ? { BASALT_SMTP_CA: pki.caCert } : {}),
				}),
			);
			expect(err.message).toMatch(
				/self[- ]signed|unable to (get|verify)|does not match certificate's altnames/i,
			);
			expect(err).toMatchObject({ code: "CONNECTION_FAILED", retryable: true });
		}
		expect(starttls.messages.length).toBe(before.messages);
		expect(starttls.authAttempts).toBe(before.logins);
	});

	it("smtp:// to a server without STARTTLS sends in plain text, unless BASALT_SMTP_STARTTLS=required", async () => {
		expect(
			await deliveredTo(plain, { BASALT_SMTP_URL: urlOf("smtp", plain) }),
		).toMatchObject({ secure: false });
		const before = {
			messages: plain.messages.length,
			logins: plain.authAttempts,
		};
		const err = await refusalOf(
			send({
				BASALT_SMTP_URL: urlOf("smtp", plain),
				BASALT_SMTP_STARTTLS: "required",
			}),
		);
		expect(err.message).toMatch(/STARTTLS/);
		expect(plain.messages.length).toBe(before.messages);
		// The password never went out in plain text.
		expect(plain.authAttempts).toBe(before.logins);
	});

	it("skips the certificate checks only with BASALT_SMTP_TLS_VERIFY=false", async () => {
		expect(
			await deliveredTo(implicit, {
				BASALT_SMTP_URL: urlOf("smtps", implicit, "127.0.0.1"),
				BASALT_SMTP_TLS_VERIFY: "false",
			}),
		).toMatchObject({ secure: true });
		expect(
			await deliveredTo(starttls, {
				BASALT_SMTP_URL: urlOf("smtp", starttls, "127.0.0.1"),
				BASALT_SMTP_TLS_VERIFY: "false",
			}),
		).toMatchObject({ secure: true });
	});

	// Regression: the URL went to nodemailer as is, and nodemailer reads options from
	// its query, so `?tls.rejectUnauthorized=false` turned the checks off unseen.
	it("takes no TLS options from the URL's query", () => {
		const url = `${urlOf("smtps", implicit)}?tls.rejectUnauthorized=false`;
		expect(() =>
			createSmtpTransport({ url, defaultFrom: "no-reply@basalt.test" }),
		).toThrow(/takes no query parameters/);
		expect(() =>
			parseConfig(
				{ BASALT_SMTP_URL: url },
				{ cwd: tmpdir(), stdoutIsTty: false },
			),
		).toThrow(/^BASALT_SMTP_URL: takes no query parameters/);
	});
});
