import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/tools/logger/index.js";
import { createLogTransport } from "../../../src/tools/mailer/index.js";

/** A log transport whose logger writes into `lines`, one parsed JSON object each. */
function capture(level: "info" | "warn" = "info") {
	const lines: Array<Record<string, unknown>> = [];
	const destination = new Writable({
		write(chunk, _encoding, done) {
			for (const line of String(chunk).split("\n").filter(Boolean)) {
				lines.push(JSON.parse(line) as Record<string, unknown>);
			}
			done();
		},
	});
	const logger = createLogger({ level, format: "json", destination });
	const transport = createLogTransport({
		logger,
		defaultFrom: "Basalt <no-reply@basalt.test>",
	});
	return { lines, transport };
}

describe("createLogTransport", () => {
	it("writes the whole message as one info line and returns a basalt.local Message-ID", async () => {
		const { lines, transport } = capture();
		const sent = await transport.send({
			to: ["ada@example.com", "bob@example.com"],
			subject: "Confirm your email",
			text: "Open https://app.test/verify?token=abc",
			html: '<a href="https://app.test/verify?token=abc">Confirm</a>',
			headers: { "X-Basalt-Test": "yes" },
		});

		expect(sent.messageId).toMatch(
			/^<[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@basalt\.local>$/,
		);
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatchObject({
			level: "info",
			mail: {
				messageId: sent.messageId,
				to: ["ada@example.com", "bob@example.com"],
				from: "Basalt <no-reply@basalt.test>",
				subject: "Confirm your email",
				text: "Open https://app.test/verify?token=abc",
				html: '<a href="https://app.test/verify?token=abc">Confirm</a>',
				headers: { "X-Basalt-Test": "yes" },
			},
		});
		expect(lines[0]?.msg).toMatch(/not sent/);
	});

	it("logs the message's own sender over the default", async () => {
		const { lines, transport } = capture();
		await transport.send({
			to: "ada@example.com",
			from: "alerts@basalt.test",
			subject: "s",
			text: "t",
		});
		expect(lines[0]).toMatchObject({ mail: { from: "alerts@basalt.test" } });
	});

	it("writes at info level, so a logger set to warn shows nothing", async () => {
		const { lines, transport } = capture("warn");
		await transport.send({ to: "ada@example.com", subject: "s", text: "t" });
		expect(lines).toHaveLength(0);
	});

	it("refuses an invalid default sender as configuration", () => {
		const logger = createLogger({ level: "silent", format: "json" });
		expect(() => createLogTransport({ logger, defaultFrom: "nobody" })).toThrow(
			expect.objectContaining({ code: "INVALID_CONFIG" }),
		);
	});
});
