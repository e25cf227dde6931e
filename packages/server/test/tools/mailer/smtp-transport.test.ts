import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type {
	MailError,
	MailTransport,
} from "../../../src/tools/mailer/index.js";
import { createSmtpTransport } from "../../../src/tools/mailer/smtp-transport.js";
import {
	type SmtpTestServer,
	type SmtpTestServerOptions,
	startSmtpTestServer,
} from "../../helpers/smtp-test-server.js";

const FROM = "Basalt <no-reply@basalt.test>";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(
	options?: SmtpTestServerOptions,
): Promise<SmtpTestServer> {
	const server = await startSmtpTestServer(options);
	cleanups.push(() => server.stop());
	return server;
}

function transportFor(url: string, timeoutMs?: number): MailTransport {
	const transport = createSmtpTransport({ url, defaultFrom: FROM, timeoutMs });
	cleanups.push(() => transport.close());
	return transport;
}

/** Runs `promise`, which must reject, and returns what it rejected with. */
async function failureOf(promise: Promise<unknown>): Promise<MailError> {
	const outcome = await promise.then(
		() => new Error("expected a rejection"),
		(err: unknown) => err,
	);
	expect(outcome).toMatchObject({ name: "MailError" });
	return outcome as MailError;
}

/** Reads one header field's value from a raw message (no folding in our short headers). */
function headerOf(raw: string, name: string): string | undefined {
	const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
	const line = head
		.split("\r\n")
		.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	return line?.slice(name.length + 1).trim();
}

describe("createSmtpTransport", () => {
	it("delivers subject, text, html, from, to and custom headers, logging in with the URL's credentials", async () => {
		const server = await startServer();
		const transport = transportFor(server.url());
		const sent = await transport.send({
			to: ["ada@example.com", "bob@example.com"],
			subject: "Welcome aboard",
			text: "Plain text body.",
			html: "<p>HTML body.</p>",
			headers: { "X-Basalt-Test": "contract-42" },
		});

		expect(server.messages).toHaveLength(1);
		const [mail] = server.messages;
		expect(mail?.user).toBe(server.user);
		expect(mail?.from).toBe("no-reply@basalt.test");
		expect(mail?.to).toEqual(["ada@example.com", "bob@example.com"]);
		const raw = mail?.raw ?? "";
		expect(headerOf(raw, "Subject")).toBe("Welcome aboard");
		expect(headerOf(raw, "From")).toBe("Basalt <no-reply@basalt.test>");
		expect(headerOf(raw, "To")).toBe("ada@example.com, bob@example.com");
		expect(headerOf(raw, "X-Basalt-Test")).toBe("contract-42");
		expect(headerOf(raw, "Message-ID")).toBe(sent.messageId);
		expect(headerOf(raw, "Content-Type")).toMatch(/^multipart\/alternative;/);
		expect(raw).toMatch(
			/Content-Type: text\/plain[^\r]*\r\n[\s\S]*Plain text body\./,
		);
		expect(raw).toMatch(
			/Content-Type: text\/html[^\r]*\r\n[\s\S]*<p>HTML body\.<\/p>/,
		);
	});

	it("uses the message's own sender over the default", async () => {
		const server = await startServer();
		await transportFor(server.url()).send({
			to: "ada@example.com",
			from: "alerts@basalt.test",
			subject: "s",
			text: "t",
		});
		expect(server.messages[0]?.from).toBe("alerts@basalt.test");
		expect(headerOf(server.messages[0]?.raw ?? "", "From")).toBe(
			"alerts@basalt.test",
		);
	});

	it("fails a wrong password for good, without the password in the error even when the server echoes it", async () => {
		const server = await startServer({ echoPassword: true });
		const password = "wrong/horse:battery@staple";
		const transport = transportFor(server.url({ user: server.user, password }));
		const err = await failureOf(
			transport.send({ to: "ada@example.com", subject: "s", text: "t" }),
		);
		expect(err).toMatchObject({
			code: "SMTP_REJECTED",
			retryable: false,
			responseCode: 535,
		});
		const everything = `${err.message}\n${err.stack}\n${JSON.stringify(err)}`;
		expect(err.message).toContain("535 Authentication credentials invalid");
		expect(err.message).toContain("[redacted]");
		expect(everything).not.toContain(password);
		expect(everything).not.toContain(encodeURIComponent(password));
		expect(err.cause).toBeUndefined();
		expect(server.messages).toHaveLength(0);
	});

	it("retries a recipient the server defers with 451", async () => {
		const server = await startServer({
			reject: [{ match: /^busy@/, code: 451 }],
		});
		const err = await failureOf(
			transportFor(server.url()).send({
				to: "busy@example.com",
				subject: "s",
				text: "t",
			}),
		);
		expect(err).toMatchObject({
			code: "SMTP_REJECTED",
			retryable: true,
			responseCode: 451,
		});
		expect(server.messages).toHaveLength(0);
	});

	it("gives up on a recipient the server refuses with 550", async () => {
		const server = await startServer({
			reject: [{ match: /^gone@/, code: 550 }],
		});
		const err = await failureOf(
			transportFor(server.url()).send({
				to: "gone@example.com",
				subject: "s",
				text: "t",
			}),
		);
		expect(err).toMatchObject({
			code: "SMTP_REJECTED",
			retryable: false,
			responseCode: 550,
		});
	});

	it("does not retry a message the server took for some recipients only, as that would send duplicates", async () => {
		const server = await startServer({
			reject: [{ match: /^busy@/, code: 451 }],
		});
		const err = await failureOf(
			transportFor(server.url()).send({
				to: ["ada@example.com", "busy@example.com"],
				subject: "s",
				text: "t",
			}),
		);
		expect(err).toMatchObject({
			code: "SMTP_REJECTED",
			retryable: false,
			responseCode: 451,
		});
		expect(server.messages.map((m) => m.to)).toEqual([["ada@example.com"]]);
	});

	it("retries when the server is down (port closed)", async () => {
		const server = await startSmtpTestServer();
		await server.stop();
		const err = await failureOf(
			transportFor(server.url()).send({
				to: "ada@example.com",
				subject: "s",
				text: "t",
			}),
		);
		expect(err).toMatchObject({ code: "CONNECTION_FAILED", retryable: true });
		expect(err.message).toContain("ECONNREFUSED");
		expect(err.message).not.toContain(server.password);
	});

	it("retries when the server never greets, giving up after timeoutMs", async () => {
		// A TCP listener that accepts and stays silent, like a hung MTA.
		const silent: Server = createServer(() => {});
		await new Promise<void>((resolve) =>
			silent.listen(0, "127.0.0.1", resolve),
		);
		cleanups.push(
			() => new Promise((resolve) => silent.close(() => resolve())),
		);
		const address = silent.address();
		const port = typeof address === "object" && address ? address.port : 0;
		const started = Date.now();
		const err = await failureOf(
			transportFor(`smtp://127.0.0.1:${port}`, 300).send({
				to: "ada@example.com",
				subject: "s",
				text: "t",
			}),
		);
		expect(err).toMatchObject({ code: "CONNECTION_FAILED", retryable: true });
		expect(err.message).toContain("ETIMEDOUT");
		expect(Date.now() - started).toBeLessThan(5_000);
	});

	it.each([
		["not a URL", "::not a url::"],
		["another scheme", "http://user:hunter2-secret@127.0.0.1:25"],
		["no host", "smtp://user:hunter2-secret@"],
	])("refuses %s as configuration, without quoting the URL", (_name, url) => {
		let thrown: unknown;
		try {
			createSmtpTransport({ url, defaultFrom: FROM });
		} catch (err: unknown) {
			thrown = err;
		}
		expect(thrown).toMatchObject({ code: "INVALID_CONFIG", retryable: false });
		expect(String((thrown as Error).message)).not.toContain("hunter2");
	});

	it("refuses an invalid default sender as configuration", () => {
		expect(() =>
			createSmtpTransport({
				url: "smtp://127.0.0.1:25",
				defaultFrom: "no-reply",
			}),
		).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
	});
});
