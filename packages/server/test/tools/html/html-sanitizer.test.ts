import fc from "fast-check";
import { parseDocument } from "htmlparser2";
import { describe, expect, it } from "vitest";
import {
	createHtmlSanitizer,
	DEFAULT_HTML_ALLOWLIST,
	type HtmlAllowlist,
} from "../../../src/tools/html/index.js";
import { XSS_PAYLOADS } from "../../helpers/xss-payloads.js";

/** A wide allowlist, images and every-tag attributes included, as a field may name. */
const WIDE: HtmlAllowlist = {
	allowedTags: [...DEFAULT_HTML_ALLOWLIST.allowedTags, "img"],
	allowedAttributes: {
		...DEFAULT_HTML_ALLOWLIST.allowedAttributes,
		img: ["src", "alt"],
		"*": ["title", "class"],
	},
};

type Element = {
	type: string;
	name?: string;
	attribs?: Record<string, string>;
	children?: Element[];
};

/** Every element of the parsed output, as a browser's parser would see it. */
function elementsOf(html: string): Element[] {
	const found: Element[] = [];
	const walk = (node: Element) => {
		if (node.type === "tag" || node.type === "script" || node.type === "style")
			found.push(node);
		for (const child of node.children ?? []) walk(child);
	};
	walk(parseDocument(html) as unknown as Element);
	return found;
}

/** What the output may hold: allowlisted tags and attributes, http(s)/mailto URLs. */
function expectHarmless(
	output: string,
	allowlist: HtmlAllowlist,
	input: string,
) {
	for (const element of elementsOf(output)) {
		const tag = element.name ?? "";
		expect(allowlist.allowedTags, `${tag} from ${input}`).toContain(tag);
		for (const [name, value] of Object.entries(element.attribs ?? {})) {
			const allowed = [
				...(allowlist.allowedAttributes[tag] ?? []),
				...(allowlist.allowedAttributes["*"] ?? []),
			];
			expect(allowed, `${tag}[${name}] from ${input}`).toContain(name);
			expect(name.startsWith("on"), input).toBe(false);
			// The scheme as a browser resolves the URL against a page of this origin.
			if (name === "href" || name === "src")
				expect(
					["http:", "https:", "mailto:"],
					`${tag}[${name}]=${value} from ${input}`,
				).toContain(new URL(value, "https://app.example/page").protocol);
		}
	}
	// No markup of a dangerous tag survives, even as an unparsed fragment.
	expect(output).not.toMatch(
		/<\s*(script|style|iframe|object|embed|svg|math)/i,
	);
}

describe("createHtmlSanitizer", () => {
	it("renders every payload of the list harmless, on the default and a wide allowlist", () => {
		for (const allowlist of [DEFAULT_HTML_ALLOWLIST, WIDE]) {
			const clean = createHtmlSanitizer(allowlist);
			for (const payload of XSS_PAYLOADS)
				expectHarmless(clean(payload), allowlist, payload);
		}
	});

	it("keeps what the allowlist names, and the text of what it removes", () => {
		const clean = createHtmlSanitizer(DEFAULT_HTML_ALLOWLIST);
		expect(
			clean(
				'<p>Hi <strong>there</strong>, <a href="https://x.example/a?b=1" title="t">link</a></p>',
			),
		).toBe(
			'<p>Hi <strong>there</strong>, <a href="https://x.example/a?b=1" title="t">link</a></p>',
		);
		expect(clean("<p>a <blink>b</blink> c<script>alert(1)</script></p>")).toBe(
			"<p>a b c</p>",
		);
		expect(clean('<a href="mailto:a@b.example">mail</a>')).toBe(
			'<a href="mailto:a@b.example">mail</a>',
		);
		expect(clean("<p>1 &lt; 2 &amp; 3</p>")).toBe("<p>1 &lt; 2 &amp; 3</p>");
	});

	it("drops forbidden tags and attributes even when an allowlist names them", () => {
		const clean = createHtmlSanitizer({
			allowedTags: ["p", "script", "iframe", "style"],
			allowedAttributes: { p: ["onclick", "style", "title"] },
		});
		expect(
			clean(
				'<p onclick="x()" style="color:red" title="t">a</p><script>x()</script><iframe src="https://a.example"></iframe>',
			),
		).toBe('<p title="t">a</p>');
	});

	it("leaves nothing harmful in random markup, and is idempotent", () => {
		const fragment = fc.oneof(
			fc.constantFrom(
				"<p>",
				"</p>",
				"<a ",
				"href=",
				"src=",
				'"',
				"'",
				">",
				"<",
				"/",
				"javascript:",
				"data:",
				"JaVaScRiPt&#58;",
				"&#x6A;",
				"onerror=",
				"onclick=",
				"<img ",
				"<script>",
				"</script>",
				"<svg ",
				"<style>",
				"<!--",
				"-->",
				"<iframe ",
				"style=",
				"x",
				" ",
				"\t",
				"\n",
				"alert(1)",
				"https://a.example",
			),
			fc.string({ maxLength: 4 }),
		);
		const clean = createHtmlSanitizer(WIDE);
		fc.assert(
			fc.property(fc.array(fragment, { maxLength: 40 }), (parts) => {
				const input = parts.join("");
				const output = clean(input);
				expectHarmless(output, WIDE, input);
				expect(clean(output)).toBe(output);
			}),
			{ numRuns: 500 },
		);
	});
});
