import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/tools/logger/index.js";
import {
	createLogTransport,
	MailError,
	type MailMessage,
	type MailTransport,
} from "../../../src/tools/mailer/index.js";
import { createSmtpTransport } from "../../../src/tools/mailer/smtp-transport.js";
import { startSmtpTestServer } from "../../helpers/smtp-test-server.js";

/** A transport under test and a way to count what it actually delivered. */
interface TransportFixture {
	transport: MailTransport;
	/** Messages that left the transport: received by the server, or written to the log. */
	delivered(): number;
	cleanup(): Promise<void>;
}

const VALID: MailMessage = {
	to: "ada@example.com",
	subject: "Contract",
	text: "Hello from the contract suite.",
};

/** Messages every transport must refuse before sending anything. */
const INVALID: Array<{ name: string; message: MailMessage }> = [
	{
		name: "CRLF in the subject",
		message: { ...VALID, subject: "Hi\r\nBcc: eve@example.com" },
	},
	{ name: "LF in the subject", message: { ...VALID, subject: "Hi\nthere" } },
	{ name: "a bad address", message: { ...VALID, to: "not-an-address" } },
	{
		name: "a bad address among good ones",
		message: { ...VALID, to: ["ada@example.com", "bob@"] },
	},
	{
		name: "CRLF in an address",
		message: { ...VALID, to: "ada@example.com\r\nBcc: eve@example.com" },
	},
	{
		name: "a bad from",
		message: { ...VALID, from: "Basalt <no-reply@>" },
	},
	{
		name: "CRLF in a header value",
		message: { ...VALID, headers: { "X-Tag": "a\r\nBcc: eve@example.com" } },
	},
];

/** Runs the MailTransport contract against one implementation. */
function describeMailTransport(
	name: string,
	createFixture: () => Promise<TransportFixture>,
): void {
	describe(`MailTransport contract: ${name}`, () => {
		let fixture: TransportFixture | undefined;
		async function setUp(): Promise<TransportFixture> {
			fixture = await createFixture();
			return fixture;
		}
		afterEach(async () => {
			await fixture?.cleanup();
			fixture = undefined;
		});

		it("sends a message and returns its Message-ID", async () => {
			const { transport, delivered } = await setUp();
			const sent = await transport.send(VALID);
			expect(sent.messageId).toMatch(/^<[^<>@\s]+@[^<>@\s]+>$/);
			expect(delivered()).toBe(1);
		});

		it("sends to several recipients and gives each message its own id", async () => {
			const { transport, delivered } = await setUp();
			const first = await transport.send({
				...VALID,
				to: ["ada@example.com", "Bob Example <bob@example.com>"],
			});
			const second = await transport.send(VALID);
			expect(first.messageId).not.toBe(second.messageId);
			expect(delivered()).toBe(2);
		});

		it.each(INVALID)(
			"refuses $name with a non-retryable MailError and sends nothing",
			async ({ message }) => {
				const { transport, delivered } = await setUp();
				const err = await transport.send(message).then(
					() => undefined,
					(e: unknown) => e,
				);
				expect(err).toBeInstanceOf(MailError);
				expect(err).toMatchObject({
					code: "INVALID_MESSAGE",
					retryable: false,
				});
				expect(delivered()).toBe(0);
			},
		);

		it("refuses to send after close, retryably, so the job runs again elsewhere", async () => {
			const { transport, delivered } = await setUp();
			await transport.close();
			await expect(transport.send(VALID)).rejects.toMatchObject({
				code: "TRANSPORT_CLOSED",
				retryable: true,
			});
			expect(delivered()).toBe(0);
		});
	});
}

describeMailTransport("log", async () => {
	const lines: string[] = [];
	const destination = new Writable({
		write(chunk, _encoding, done) {
			lines.push(...String(chunk).split("\n").filter(Boolean));
			done();
		},
	});
	const logger = createLogger({ level: "info", format: "json", destination });
	return {
		transport: createLogTransport({
			logger,
			defaultFrom: "no-reply@basalt.test",
		}),
		delivered: () => lines.length,
		cleanup: async () => {},
	};
});

describeMailTransport("smtp", async () => {
	const server = await startSmtpTestServer();
	const transport = createSmtpTransport({
		url: server.url(),
		defaultFrom: "no-reply@basalt.test",
	});
	return {
		transport,
		delivered: () => server.messages.length,
		cleanup: async () => {
			await transport.close();
			await server.stop();
		},
	};
});
