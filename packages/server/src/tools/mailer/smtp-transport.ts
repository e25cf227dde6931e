import { createTransport, type SMTPSentMessageInfo } from "nodemailer";
import { MailError } from "./mail-error.js";
import type { MailMessage } from "./mail-message.js";
import { isMailbox, validateMailMessage } from "./mail-message.js";
import type { MailTransport, SentMail } from "./mail-transport.js";

/** What createSmtpTransport needs. */
export interface SmtpTransportSettings {
	/** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
	url: string;
	/** The sender of messages that name none, e.g. `Basalt <no-reply@example.com>`. */
	defaultFrom: string;
	/** Limit for connecting, for the server greeting and for any silence on the socket. */
	timeoutMs?: number;
	/** How the connection is encrypted and the server's certificate checked. */
	tls?: SmtpTlsSettings;
}

/** TLS to the SMTP server (docs/security.md#tls-to-postgresql-redis-smtp-and-rabbitmq). */
export interface SmtpTlsSettings {
	/** PEM of the CAs trusted instead of Node's bundled list. */
	ca?: string | Buffer;
	/** false accepts any certificate: an explicit opt-out, never a default. */
	verify?: boolean;
	/**
	 * smtp:// only. `auto` (default): STARTTLS when the server offers it; `required`:
	 * no mail and no login without it.
	 */
	starttls?: "auto" | "required";
}

/**
 * 30 s per wait instead of nodemailer's 2 min connect / 10 min socket defaults: a mail
 * job holds a worker slot while it waits, and the queue retries anyway.
 */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Error codes of a failure to reach or keep talking to the server; trying again later
 * can help. nodemailer wraps system errors (ECONNREFUSED becomes ESOCKET with
 * `originalCode`), so both its codes and Node's are listed. A failed TLS handshake is
 * one, whether at connect (smtps, ESOCKET) or after STARTTLS (ETLS): a renewed
 * certificate ends it without a restart.
 */
const NETWORK_CODES = new Set([
	"ECONNECTION",
	"ETLS",
	"ETIMEDOUT",
	"ESOCKET",
	"EDNS",
	"EPROXY",
	"ECONNREFUSED",
	"ECONNRESET",
	"EPIPE",
	"EHOSTUNREACH",
	"ENETUNREACH",
	"EAI_AGAIN",
]);

/** The parts of a nodemailer error the mapping reads; each may be absent. */
interface SmtpFailure {
	message: string;
	code: string | undefined;
	originalCode: string | undefined;
	responseCode: number | undefined;
	command: string | undefined;
}

function configError(detail: string): MailError {
	return new MailError("INVALID_CONFIG", `SMTP transport: ${detail}`, {
		retryable: false,
	});
}

/** Decodes a URL's user or password; a malformed escape is used as written. */
function decoded(part: string): string {
	try {
		return decodeURIComponent(part);
	} catch {
		return part;
	}
}

/** Where to connect and as whom, read from the URL, with the strings no error may show. */
interface SmtpEndpoint {
	host: string;
	port: number | undefined;
	/** smtps://: TLS from the first byte. */
	secure: boolean;
	auth: { user: string; pass: string } | undefined;
	/** The password as written (percent-encoded) and decoded. */
	secrets: string[];
}

/**
 * Reads the URL. Errors about it never quote it, since it holds the password. A query
 * is refused: nodemailer would read options from it (`tls.rejectUnauthorized=false`
 * among them), and TLS is set by `SmtpTlsSettings` alone.
 */
function readEndpoint(url: string): SmtpEndpoint {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw configError("the SMTP URL is not a valid URL");
	}
	if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
		throw configError("the SMTP URL must start with smtp:// or smtps://");
	}
	if (parsed.hostname === "") throw configError("the SMTP URL has no host");
	if (parsed.search !== "")
		throw configError("the SMTP URL takes no query parameters");
	const user = decoded(parsed.username);
	const pass = decoded(parsed.password);
	return {
		host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
		port: parsed.port === "" ? undefined : Number(parsed.port),
		secure: parsed.protocol === "smtps:",
		auth: user !== "" || pass !== "" ? { user, pass } : undefined,
		secrets: [parsed.password, pass].filter((secret) => secret !== ""),
	};
}

/**
 * nodemailer's connection options: implicit TLS for smtps://, STARTTLS when offered
 * (or required) for smtp://, and the certificate checked for its CA and host name
 * unless `verify` is false. A failed STARTTLS never falls back to plain text
 * (`opportunisticTLS` stays off).
 */
function connectionOptions(endpoint: SmtpEndpoint, tls: SmtpTlsSettings = {}) {
	return {
		host: endpoint.host,
		...(endpoint.port === undefined ? {} : { port: endpoint.port }),
		secure: endpoint.secure,
		...(endpoint.auth ? { auth: endpoint.auth } : {}),
		requireTLS: tls.starttls === "required",
		ignoreTLS: false,
		opportunisticTLS: false,
		tls: {
			rejectUnauthorized: tls.verify !== false,
			...(tls.ca ? { ca: tls.ca } : {}),
		},
	};
}

function redact(text: string, secrets: string[]): string {
	return secrets.reduce(
		(out, secret) => out.split(secret).join("[redacted]"),
		text,
	);
}

function readFailure(err: unknown): SmtpFailure {
	const e = (typeof err === "object" && err !== null ? err : {}) as Record<
		string,
		unknown
	>;
	const text = (value: unknown) =>
		typeof value === "string" ? value : undefined;
	const command = text(e.command);
	return {
		message: text(e.message) ?? String(err),
		code: text(e.code),
		originalCode: text(e.originalCode),
		responseCode:
			typeof e.responseCode === "number" ? e.responseCode : undefined,
		// Only a bare verb such as `RCPT TO`; never an argument.
		command: command && /^[A-Z ]{1,20}$/.test(command) ? command : undefined,
	};
}

/**
 * Tells whether an SMTP reply means "not now" (RFC 5321 section 4.2.1: 4yz is a
 * transient failure, 5yz permanent). 503 "bad sequence of commands" is a session
 * state problem, not a verdict on the message, so a new connection may succeed
 * (nodemailer's `isPermanentResponseCode` makes the same exception).
 */
function isTransientReply(responseCode: number): boolean {
	return responseCode < 500 || responseCode === 503;
}

/** Turns whatever nodemailer threw into a MailError with no secret in it. */
function toMailError(err: unknown, secrets: string[]): MailError {
	const failure = readFailure(err);
	const details = [
		failure.code && failure.originalCode
			? `${failure.code}/${failure.originalCode}`
			: failure.code,
		failure.command,
	].filter(Boolean);
	const suffix = details.length > 0 ? ` (${details.join(", ")})` : "";
	const message = redact(
		`SMTP send failed: ${failure.message}${suffix}`,
		secrets,
	);
	if (failure.responseCode !== undefined) {
		return new MailError("SMTP_REJECTED", message, {
			retryable: isTransientReply(failure.responseCode),
			responseCode: failure.responseCode,
		});
	}
	const network = [failure.code, failure.originalCode].some(
		(code) => code !== undefined && NETWORK_CODES.has(code),
	);
	return new MailError(network ? "CONNECTION_FAILED" : "SEND_FAILED", message, {
		retryable: network,
	});
}

/**
 * Reports a message the server took for some recipients and refused for others.
 * Not retryable whatever the reply codes: a retry would deliver a second copy to
 * everyone who already has the first.
 */
function partlyRejected(rejectedErrors: readonly unknown[] = []): MailError {
	const codes = rejectedErrors.map((err) => readFailure(err).responseCode);
	const responseCode = codes.find((code) => code !== undefined);
	return new MailError(
		"SMTP_REJECTED",
		`SMTP server refused ${rejectedErrors.length || "some"} recipient(s) of a message it accepted for the others (replies: ${codes.join(", ")})`,
		{ retryable: false, responseCode },
	);
}

/**
 * Creates a transport that sends through an SMTP server with nodemailer, one
 * connection per message (mail goes out from background jobs, not in bursts).
 *
 * Failures become MailErrors: a 4xx reply or a network failure is retryable, a 5xx
 * reply (a wrong password's 535 included) or an invalid message is not. The password
 * from the URL is never part of an error message. The server's TLS certificate must
 * chain to a trusted CA and name the URL's host, unless `tls.verify` is false.
 *
 * @example const mail = createSmtpTransport({ url: "smtps://u:p@smtp.example.com", defaultFrom: "no-reply@example.com" });
 */
export function createSmtpTransport(
	settings: SmtpTransportSettings,
): MailTransport {
	const endpoint = readEndpoint(settings.url);
	const { secrets } = endpoint;
	if (!isMailbox(settings.defaultFrom)) {
		throw configError("defaultFrom is not a valid email address");
	}
	const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const transporter = createTransport({
		...connectionOptions(endpoint, settings.tls),
		connectionTimeout: timeout,
		greetingTimeout: timeout,
		socketTimeout: timeout,
		logger: false,
		// Messages carry text only: never let content read a file or fetch a URL.
		disableFileAccess: true,
		disableUrlAccess: true,
	});
	let closed = false;

	async function deliver(message: MailMessage): Promise<SentMail> {
		let info: SMTPSentMessageInfo;
		try {
			info = await transporter.sendMail({
				from: message.from ?? settings.defaultFrom,
				to: message.to,
				subject: message.subject,
				text: message.text,
				html: message.html,
				headers: message.headers,
			});
		} catch (err: unknown) {
			throw toMailError(err, secrets);
		}
		if (info.rejected.length > 0) throw partlyRejected(info.rejectedErrors);
		return { messageId: info.messageId };
	}

	return {
		async send(message) {
			validateMailMessage(message);
			if (closed) {
				throw new MailError("TRANSPORT_CLOSED", "SMTP transport is closed", {
					retryable: true,
				});
			}
			return deliver(message);
		},
		async close() {
			closed = true;
			transporter.close();
		},
	};
}
