export {
	createHtmlSanitizer,
	DEFAULT_HTML_ALLOWLIST,
	FORBIDDEN_TAGS,
	type HtmlAllowlist,
	isForbiddenAttribute,
} from "./html-sanitizer.js";
