import sanitizeHtml from "sanitize-html";

/** What an `html` field keeps: tags, and attributes per tag (`*`: every tag). */
export interface HtmlAllowlist {
	allowedTags: readonly string[];
	allowedAttributes: Readonly<Record<string, readonly string[]>>;
}

/** The allowlist of a field that names none: text formatting, links, lists, tables. */
export const DEFAULT_HTML_ALLOWLIST: HtmlAllowlist = {
	allowedTags: [
		...["p", "br", "hr", "div", "span", "blockquote", "pre", "code"],
		...["h1", "h2", "h3", "h4", "h5", "h6"],
		...[
			"b",
			"strong",
			"i",
			"em",
			"u",
			"s",
			"del",
			"ins",
			"mark",
			"sub",
			"sup",
			"small",
		],
		...["a", "ul", "ol", "li", "dl", "dt", "dd"],
		...["table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption"],
	],
	allowedAttributes: {
		a: ["href", "title"],
		th: ["colspan", "rowspan"],
		td: ["colspan", "rowspan"],
	},
};

/**
 * Tags no allowlist may name: they run script, load or embed other documents, submit
 * forms, restyle the page or change how the rest is parsed.
 */
export const FORBIDDEN_TAGS: ReadonlySet<string> = new Set([
	...["script", "style", "iframe", "frame", "frameset", "object", "embed"],
	...["applet", "base", "link", "meta", "form", "input", "button", "textarea"],
	...["select", "option", "svg", "math", "template", "noscript", "xmp"],
	...["plaintext", "title", "head", "html", "body", "portal", "frameset"],
]);

/**
 * Attributes no allowlist may name: event handlers (`on…`), inline styles, and those
 * that load or submit somewhere (`srcdoc`, `formaction`, `action`, `xlink:href`).
 */
export function isForbiddenAttribute(name: string): boolean {
	const lower = name.toLowerCase();
	return (
		lower.startsWith("on") ||
		["style", "srcdoc", "formaction", "action", "xlink:href"].includes(lower)
	);
}

/**
 * Creates the sanitizer of one allowlist (sanitize-html): tags outside it are removed
 * with their markup and their text kept, except the content of `script`, `style` and
 * the like, which goes too; attributes outside it go; links and sources keep only
 * http, https and mailto URLs (no `javascript:`, `data:` or protocol-relative ones);
 * comments go. Forbidden tags and attributes go even when the allowlist names them.
 *
 * @example
 * const clean = createHtmlSanitizer(DEFAULT_HTML_ALLOWLIST);
 * clean('<p onclick="x()">Hi <script>x()</script></p>'); // "<p>Hi </p>"
 */
export function createHtmlSanitizer(
	allowlist: HtmlAllowlist,
): (html: string) => string {
	const allowedAttributes: Record<string, string[]> = {};
	for (const [tag, names] of Object.entries(allowlist.allowedAttributes))
		allowedAttributes[tag] = names.filter((n) => !isForbiddenAttribute(n));
	const options: sanitizeHtml.IOptions = {
		allowedTags: allowlist.allowedTags.filter((t) => !FORBIDDEN_TAGS.has(t)),
		allowedAttributes,
		allowedSchemes: ["http", "https", "mailto"],
		allowedSchemesByTag: {},
		allowedSchemesAppliedToAttributes: ["href", "src", "cite", "action"],
		allowProtocolRelative: false,
		disallowedTagsMode: "discard",
		nonTextTags: [
			...["script", "style", "textarea", "option", "noscript", "iframe"],
			...["object", "embed", "svg", "math", "template", "title", "xmp"],
		],
		parseStyleAttributes: false,
	};
	return (html) => sanitizeHtml(html, options);
}
