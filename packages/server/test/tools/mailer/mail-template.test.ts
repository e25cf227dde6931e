import { describe, expect, it } from "vitest";
import {
	MailError,
	mailTemplates,
	renderTemplate,
	validateMailMessage,
} from "../../../src/tools/mailer/index.js";

describe("renderTemplate", () => {
	it("fills every placeholder, numbers included, in subject, text and html", () => {
		const rendered = renderTemplate(
			{
				subject: "{{count}} new posts on {{app}}",
				text: "Hi {{name}}, {{count}} posts. Bye {{name}}.",
				html: "<p>Hi {{name}}</p>",
			},
			{ app: "Acme", name: "Ada", count: 3 },
		);
		expect(rendered).toEqual({
			subject: "3 new posts on Acme",
			text: "Hi Ada, 3 posts. Bye Ada.",
			html: "<p>Hi Ada</p>",
		});
	});

	it("HTML-escapes values in html only", () => {
		const value = `<script>alert("x")</script> & 'q'`;
		const rendered = renderTemplate(
			{ subject: "{{v}}", text: "{{v}}", html: '<p title="{{v}}">{{v}}</p>' },
			{ v: value },
		);
		const escaped =
			"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;";
		expect(rendered.html).toBe(`<p title="${escaped}">${escaped}</p>`);
		expect(rendered.text).toBe(value);
		expect(rendered.subject).toBe(value);
	});

	it("removes CR/LF from values in the subject but keeps them in the text", () => {
		const rendered = renderTemplate(
			{ subject: "Hello {{name}}", text: "Hello {{name}}" },
			{ name: "Ada\r\nBcc: eve@example.com\n" },
		);
		expect(rendered.subject).toBe("Hello Ada Bcc: eve@example.com ");
		expect(rendered.subject).not.toMatch(/[\r\n]/);
		expect(rendered.text).toBe("Hello Ada\r\nBcc: eve@example.com\n");
	});

	it("inserts a value that looks like a placeholder as text, without expanding it", () => {
		const rendered = renderTemplate(
			{ subject: "s", text: "{{a}} {{b}}" },
			{ a: "{{b}}", b: "B" },
		);
		expect(rendered.text).toBe("{{b}} B");
	});

	it("leaves html out when the template has none", () => {
		const rendered = renderTemplate({ subject: "s", text: "t" }, {});
		expect(rendered).toEqual({ subject: "s", text: "t" });
		expect("html" in rendered).toBe(false);
	});

	it.each([
		["subject", { subject: "{{lnik}}", text: "t" }],
		["text", { subject: "s", text: "Open {{lnik}}" }],
		["html", { subject: "s", text: "t", html: "<a href='{{lnik}}'>" }],
	])("throws on an unknown placeholder in the %s", (_part, template) => {
		const render = () => renderTemplate(template, { link: "https://x.test" });
		expect(render).toThrow(MailError);
		expect(render).toThrow(/\{\{lnik\}\}/);
		expect(render).toThrow(
			expect.objectContaining({ code: "INVALID_TEMPLATE", retryable: false }),
		);
	});

	it("does not take inherited properties for values", () => {
		expect(() =>
			renderTemplate({ subject: "s", text: "{{constructor}}" }, {}),
		).toThrow(MailError);
	});
});

describe("mailTemplates", () => {
	const vars = {
		appName: "Acme <Notes>",
		link: "https://acme.test/confirm?token=abc&next=/home",
	};

	it("has the templates the auth flows use", () => {
		expect(Object.keys(mailTemplates).sort()).toEqual([
			"emailChange",
			"passwordReset",
			"verification",
		]);
	});

	it.each(Object.entries(mailTemplates))(
		"%s renders with appName and link into a sendable message",
		(_name, template) => {
			const rendered = renderTemplate(template, vars);
			for (const part of [rendered.subject, rendered.text, rendered.html]) {
				expect(part).not.toContain("{{");
			}
			expect(rendered.subject).toContain("Acme <Notes>");
			expect(rendered.text).toContain(vars.link);
			expect(rendered.text).toContain("Acme <Notes>");
			expect(rendered.html).toContain(
				'href="https://acme.test/confirm?token=abc&amp;next=/home"',
			);
			expect(rendered.html).toContain("Acme &lt;Notes&gt;");
			expect(() =>
				validateMailMessage({ to: "ada@example.com", ...rendered }),
			).not.toThrow();
		},
	);

	it.each(Object.entries(mailTemplates))(
		"%s needs its link",
		(_name, template) => {
			expect(() => renderTemplate(template, { appName: "Acme" })).toThrow(
				/\{\{link\}\}/,
			);
		},
	);
});
