import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerDataStream } from "smtp-server";

/** One message as the server received it. */
export interface ReceivedMail {
	/** The envelope sender (MAIL FROM). */
	from: string;
	/** The envelope recipients (RCPT TO). */
	to: string[];
	/** The user the client logged in as; undefined when it did not authenticate. */
	user: string | undefined;
	/** Whether the message came over TLS (smtps, or after STARTTLS). */
	secure: boolean;
	/** The whole RFC 5322 message as sent, headers and body. */
	raw: string;
}

/** Makes the server refuse matching recipients with a permanent or a temporary reply. */
export interface RecipientRejection {
	match: RegExp;
	code: 550 | 451;
}

/** Options for startSmtpTestServer. */
export interface SmtpTestServerOptions {
	user?: string;
	password?: string;
	reject?: RecipientRejection[];
	/** Quote the refused password in the 535 reply, as a careless server might: tests that the client redacts it. */
	echoPassword?: boolean;
	/**
	 * PEM certificate and key: the server offers STARTTLS with them, or with
	 * `implicit` speaks TLS from the first byte (smtps). Unset: no TLS at all.
	 */
	tls?: { cert: Buffer; key: Buffer; implicit?: boolean };
}

/** A running SMTP server on a loopback port. */
export interface SmtpTestServer {
	port: number;
	user: string;
	password: string;
	/** Messages received so far, oldest first. */
	messages: ReceivedMail[];
	/** AUTH attempts so far, with any credentials (a client that sent a password). */
	authAttempts: number;
	/** An `smtp://` URL for this server, with the known credentials unless others are given. */
	url(credentials?: { user: string; password: string } | null): string;
	/** Closes the port; later connections are refused. */
	stop(): Promise<void>;
}

/** Characters that need percent-encoding in a URL, so the tests exercise decoding. */
const DEFAULT_PASSWORD = "s3cret/p@ss:word";

function readAll(stream: SMTPServerDataStream): Promise<string> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		stream.on("data", (chunk: Buffer) => chunks.push(chunk));
		stream.on("error", reject);
		stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
	});
}

/** Creates an error smtp-server sends to the client as `code message`. */
function smtpReply(code: number, message: string): Error {
	return Object.assign(new Error(message), { responseCode: code });
}

/**
 * Starts a real SMTP server on 127.0.0.1 and a free port. Authentication is optional,
 * AUTH PLAIN and LOGIN accept only the known user and password (535 otherwise), and
 * STARTTLS is off unless `tls` gives a certificate.
 */
export async function startSmtpTestServer(
	options: SmtpTestServerOptions = {},
): Promise<SmtpTestServer> {
	const user = options.user ?? "basalt";
	const password = options.password ?? DEFAULT_PASSWORD;
	const messages: ReceivedMail[] = [];
	let authAttempts = 0;
	const { tls } = options;
	const server = new SMTPServer({
		authOptional: true,
		authMethods: ["PLAIN", "LOGIN"],
		...(tls
			? { key: tls.key, cert: tls.cert, secure: tls.implicit ?? false }
			: { disabledCommands: ["STARTTLS"] }),
		disableReverseLookup: true,
		logger: false,
		closeTimeout: 1_000,
		onAuth(auth, _session, callback) {
			authAttempts += 1;
			if (auth.username === user && auth.password === password) {
				callback(null, { user });
			} else {
				const echo = options.echoPassword ? ` (got "${auth.password}")` : "";
				callback(smtpReply(535, `Authentication credentials invalid${echo}`));
			}
		},
		onRcptTo(address, _session, callback) {
			const rule = options.reject?.find((r) => r.match.test(address.address));
			if (!rule) return callback();
			callback(
				rule.code === 451
					? smtpReply(451, "Mailbox busy, try again later")
					: smtpReply(550, "No such mailbox"),
			);
		},
		onData(stream, session, callback) {
			readAll(stream).then((raw) => {
				const { mailFrom, rcptTo } = session.envelope;
				messages.push({
					from: mailFrom ? mailFrom.address : "",
					to: rcptTo.map((r) => r.address),
					user: typeof session.user === "string" ? session.user : undefined,
					secure: session.secure,
					raw,
				});
				callback();
			}, callback);
		},
	});
	// smtp-server re-emits client socket errors (a reset in a failure test); without a
	// listener an EventEmitter "error" would crash the test process.
	server.on("error", () => {});
	const port = await new Promise<number>((resolve, reject) => {
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			server.off("error", reject);
			resolve((server.server.address() as AddressInfo).port);
		});
	});
	return {
		port,
		user,
		password,
		messages,
		get authAttempts() {
			return authAttempts;
		},
		url(credentials = { user, password }) {
			if (!credentials) return `smtp://127.0.0.1:${port}`;
			const auth = `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}`;
			return `smtp://${auth}@127.0.0.1:${port}`;
		},
		stop() {
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}
