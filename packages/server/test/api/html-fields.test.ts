import { expect, it } from "vitest";
import {
	createHtmlSanitizer,
	DEFAULT_HTML_ALLOWLIST,
} from "../../src/tools/html/index.js";
import { expectRefused, su } from "../helpers/collection-changes.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { XSS_PAYLOADS } from "../helpers/xss-payloads.js";

const RECORDS = "/api/v1/collections/posts/records";
const clean = createHtmlSanitizer(DEFAULT_HTML_ALLOWLIST);

// html fields (docs/security.md#html-fields): sanitized on every write path; text
// fields come back verbatim, as JSON that browsers never sniff into HTML.
describeEachDialect("html fields", (t) => {
	it("shows the default allowlist, and refuses tags and attributes that run script", async () => {
		const made = await t().request("POST", "/api/v1/collections", {
			...su,
			body: {
				name: "posts",
				fields: [
					{ name: "body", type: "html" },
					{ name: "plain", type: "text" },
					{
						name: "strict",
						type: "html",
						allowedTags: ["p", "em"],
						allowedAttributes: {},
					},
				],
				rules: { list: "", view: "", create: "", update: "" },
			},
		});
		expect(made.status, made.text).toBe(201);
		const body = made.body.fields.find(
			(f: { name: string }) => f.name === "body",
		);
		expect(body.allowedTags).toEqual(DEFAULT_HTML_ALLOWLIST.allowedTags);
		expect(body.allowedAttributes).toEqual(
			DEFAULT_HTML_ALLOWLIST.allowedAttributes,
		);
		for (const [options, message] of [
			[{ allowedTags: ["p", "script"] }, "<script>"],
			[{ allowedTags: ["iframe"] }, "<iframe>"],
			[{ allowedAttributes: { p: ["onclick"] } }, "onclick"],
			[{ allowedAttributes: { "*": ["style"] } }, "style"],
		] as const) {
			const refused = await t().request("POST", "/api/v1/collections", {
				...su,
				body: {
					name: "bad",
					fields: [{ name: "b", type: "html", ...options }],
				},
			});
			expect(refused.status, refused.text).toBe(422);
			expect(refused.body.code).toBe("INVALID_SCHEMA");
			expect(refused.text).toContain(message);
		}
	});

	it("stores every payload sanitized, on create, update and batch, and text verbatim", async () => {
		for (const payload of XSS_PAYLOADS) {
			const created = await t().request("POST", RECORDS, {
				body: { body: payload, plain: payload },
			});
			expect(created.status, created.text).toBe(201);
			expect(created.body.body).toBe(clean(payload));
			expect(created.body.plain).toBe(payload);
			const read = await t().request("GET", `${RECORDS}/${created.body.id}`);
			expect(read.body.body).toBe(clean(payload));
			expect(read.body.plain).toBe(payload);
			expect(read.headers["content-type"]).toBe(
				"application/json; charset=utf-8",
			);
			expect(read.headers["x-content-type-options"]).toBe("nosniff");
			const patched = await t().request(
				"PATCH",
				`${RECORDS}/${created.body.id}`,
				{ body: { body: `<p>${payload}</p>` } },
			);
			expect(patched.status, patched.text).toBe(200);
			expect(patched.body.body).toBe(clean(`<p>${payload}</p>`));
		}
		const batched = await t().request("POST", "/api/v1/batch", {
			...su,
			body: {
				requests: [
					{
						method: "POST",
						url: RECORDS,
						body: { body: '<p onclick="x()">a<script>x()</script></p>' },
					},
				],
			},
		});
		expect(batched.status, batched.text).toBe(200);
		expect(JSON.stringify(batched.body)).toContain('"body":"<p>a</p>"');
		const strict = await t().request("POST", RECORDS, {
			body: { strict: '<p><em>a</em> <a href="https://x.example">b</a></p>' },
		});
		expect(strict.body.strict).toBe("<p><em>a</em> b</p>");
	});

	it("refuses a required html value that sanitizing empties", async () => {
		await t().request("PATCH", "/api/v1/collections/posts", {
			...su,
			body: {
				fields: [
					{ name: "body", type: "html" },
					{ name: "plain", type: "text" },
					{ name: "strict", type: "html", required: true },
				],
			},
		});
		const refused = await t().request("POST", RECORDS, {
			body: { strict: "<script>alert(1)</script>" },
		});
		expect(refused.status, refused.text).toBe(422);
		expect(refused.body.errors.strict.code).toBe("VALUE_REQUIRED");
	});

	it("refuses to turn a text field's unsanitized values into html", async () => {
		const definition = await t().request(
			"GET",
			"/api/v1/collections/posts",
			su,
		);
		const fields = definition.body.fields.map(
			(f: { name: string; type: string }) =>
				f.name === "plain" ? { ...f, type: "html" } : f,
		);
		const refused = await expectRefused(t(), "posts", { fields });
		expect(refused.detail).toContain("never sanitized");
	});
});
