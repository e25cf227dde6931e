import { describe, expect, it } from "vitest";
import {
	createLogger,
	type LogFormat,
} from "../../../src/tools/logger/index.js";

function loggerWithLines(format: LogFormat) {
	const lines: string[] = [];
	const logger = createLogger({
		level: "debug",
		format,
		destination: { write: (s: string) => void lines.push(s) },
	});
	return { logger, lines: () => lines.join("").split("\n").filter(Boolean) };
}

const KEY = `bsk_${"0".repeat(32)}_${"k".repeat(43)}`;
const JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl";

describe.each(["json", "ecs"] as const)("log redaction (%s)", (format) => {
	it("redacts fields named like secrets at any depth and in any case", () => {
		const { logger, lines } = loggerWithLines(format);
		const body = {
			email: "kept@example.com",
			password: "pw-1",
			Password: "pw-2",
			nested: {
				refreshToken: "rt-1",
				deeper: { client_secret: "cs-1", list: [{ token: "tk-1" }] },
			},
		};
		logger.info(
			{
				body,
				headers: {
					authorization: "Basic dXNlcjpwdw==",
					cookie: "c-1",
					"set-cookie": ["c-2"],
					"x-api-key": "ak-1",
				},
				details: { apiKey: "ak-2", secret: "s-1" },
				requestId: "r-1",
			},
			"hello",
		);
		const [line] = lines();
		for (const secret of [
			"pw-1",
			"pw-2",
			"rt-1",
			"cs-1",
			"tk-1",
			"dXNlcjpwdw",
			"c-1",
			"c-2",
			"ak-1",
			"ak-2",
			"s-1",
		])
			expect(line).not.toContain(secret);
		expect(line).toContain("kept@example.com");
		expect(line).toContain("[redacted]");
		// The caller's object is left as it was.
		expect(body.password).toBe("pw-1");
		expect(body.nested.deeper.client_secret).toBe("cs-1");
	});

	it("scrubs bearer tokens, API keys and JWTs from any text, errors included", () => {
		const { logger, lines } = loggerWithLines(format);
		const err = new Error(`upstream said Bearer ${JWT}`, {
			cause: new Error(`bad key ${KEY}`),
		});
		logger.error(
			{ err, note: `Authorization: bearer ${KEY}` },
			`message with ${JWT}`,
		);
		const [line] = lines();
		expect(line).not.toContain(KEY.slice(5));
		expect(line).not.toContain(JWT);
		expect(line).not.toContain("c2lnbmF0dXJlLXZhbHVl");
		const parsed = JSON.parse(line as string);
		// The cause is kept: its stack (with the key scrubbed) is on the line.
		const stack =
			format === "ecs" ? parsed.error.stack_trace : JSON.stringify(parsed.err);
		expect(stack).toContain("bad key [redacted]");
	});

	it("escapes control characters so one call is one line", () => {
		const { logger, lines } = loggerWithLines(format);
		logger.info({ userAgent: 'a\nb\r\n{"x":1}\u0000\u001b' }, "multi\nline");
		expect(lines()).toHaveLength(1);
		const parsed = JSON.parse(lines()[0] as string);
		expect(
			format === "ecs" ? parsed.user_agent.original : parsed.userAgent,
		).toBe('a\nb\r\n{"x":1}\u0000\u001b');
	});
});

it("maps request fields to ECS fields", () => {
	const { logger, lines } = loggerWithLines("ecs");
	logger.info(
		{
			requestId: "r-9",
			method: "PATCH",
			route: "/api/v1/x/:id",
			status: 204,
			durationMs: 1.25,
			caller: { type: "record", id: "u-1", via: "k-1" },
			ip: "192.0.2.7",
			userAgent: "curl/8",
		},
		"request",
	);
	const parsed = JSON.parse(lines()[0] as string);
	expect(parsed).toMatchObject({
		"log.level": "info",
		"ecs.version": expect.stringMatching(/^\d/),
		message: "request",
		http: {
			request: { id: "r-9", method: "PATCH" },
			response: { status_code: 204 },
		},
		event: { duration: 1_250_000 },
		client: { ip: "192.0.2.7" },
		user_agent: { original: "curl/8" },
		user: { id: "u-1" },
		basalt: { route: "/api/v1/x/:id", caller: { type: "record", via: "k-1" } },
	});
	expect(parsed["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
});
