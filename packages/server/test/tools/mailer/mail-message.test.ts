import { describe, expect, it } from "vitest";
import {
	isMailAddress,
	isMailbox,
	type MailMessage,
	validateMailMessage,
} from "../../../src/tools/mailer/index.js";

const VALID: MailMessage = {
	to: "ada@example.com",
	subject: "Hello",
	text: "Body",
};

describe("isMailAddress", () => {
	it.each([
		"ada@example.com",
		"ada.lovelace+tag@mail.example.co.uk",
		"o'brien@example.ie",
		"user@xn--mnchen-3ya.de",
		"jörg@münchen.de",
	])("accepts %s", (addr) => {
		expect(isMailAddress(addr)).toBe(true);
	});

	it.each([
		"",
		"ada",
		"@example.com",
		"ada@",
		"ada@localhost",
		"ada@example",
		"ada@1.2.3.4",
		"ada@-example.com",
		"ada@example..com",
		".ada@example.com",
		"ada..l@example.com",
		"ada l@example.com",
		"ada@exa mple.com",
		"ada@example.com\r\nBcc: eve@example.com",
		"ada@example.com\n",
		"ada@example.com,eve@example.com",
		"Ada <ada@example.com>",
		`${"a".repeat(65)}@example.com`,
		`ada@${"a".repeat(64)}.com`,
	])("refuses %j", (addr) => {
		expect(isMailAddress(addr)).toBe(false);
	});
});

describe("isMailbox", () => {
	it.each([
		"ada@example.com",
		"Ada Lovelace <ada@example.com>",
		"<ada@example.com>",
	])("accepts %s", (value) => {
		expect(isMailbox(value)).toBe(true);
	});

	it.each([
		"Ada <ada@example.com",
		'"Ada" <ada@example.com>',
		"Ada, Eve <ada@example.com>",
		"eve@example.com <ada@example.com>",
		"Ada\r\nBcc: eve@example.com <ada@example.com>",
		"Ada <ada@example.com> <eve@example.com>",
		"Ada <not-an-address>",
	])("refuses %j", (value) => {
		expect(isMailbox(value)).toBe(false);
	});
});

describe("validateMailMessage", () => {
	it("accepts a complete message", () => {
		expect(() =>
			validateMailMessage({
				...VALID,
				to: ["ada@example.com", "Bob <bob@example.com>"],
				from: "Basalt <no-reply@basalt.test>",
				html: "<p>Body</p>",
				headers: { "List-Unsubscribe": "<https://basalt.test/u?t=1>" },
			}),
		).not.toThrow();
	});

	it.each<[string, unknown, RegExp]>([
		["not an object", "hello", /not an object/],
		["no recipient", { ...VALID, to: [] }, /to has no address/],
		["a recipient that is not a string", { ...VALID, to: [42] }, /to\[0\]/],
		[
			"a bad second recipient",
			{ ...VALID, to: ["ada@example.com", "x"] },
			/to\[1\]/,
		],
		["a bad sender", { ...VALID, from: "nobody" }, /from/],
		[
			"a CR in the subject",
			{ ...VALID, subject: "a\rb" },
			/subject contains a line break/,
		],
		[
			"a missing subject",
			{ to: "ada@example.com", text: "t" },
			/subject must be a string/,
		],
		[
			"a missing text",
			{ to: "ada@example.com", subject: "s" },
			/text must be a string/,
		],
		[
			"html that is not a string",
			{ ...VALID, html: 1 },
			/html must be a string/,
		],
		[
			"headers that are not an object",
			{ ...VALID, headers: "X: y" },
			/headers must be/,
		],
		[
			"a header name with a colon",
			{ ...VALID, headers: { "X:Y": "v" } },
			/header name/,
		],
		[
			"a header name with CRLF",
			{ ...VALID, headers: { "X\r\nBcc": "v" } },
			/header name/,
		],
		[
			"a header value with LF",
			{ ...VALID, headers: { "X-A": "v\nBcc: e@x.com" } },
			/line breaks/,
		],
		[
			"a header value that is not a string",
			{ ...VALID, headers: { "X-A": 1 } },
			/line breaks/,
		],
		[
			"a Bcc header",
			{ ...VALID, headers: { bcc: "eve@example.com" } },
			/set from the message fields/,
		],
		[
			"a Content-Type header",
			{ ...VALID, headers: { "Content-Type": "text/html" } },
			/set from the message fields/,
		],
	])("refuses %s", (_name, message, reason) => {
		expect(() => validateMailMessage(message)).toThrow(reason);
		expect(() => validateMailMessage(message)).toThrow(
			expect.objectContaining({ code: "INVALID_MESSAGE", retryable: false }),
		);
	});
});
