import { MailError } from "./mail-error.js";

/** A mail's parts with `{{name}}` placeholders. */
export interface MailTemplate {
	subject: string;
	text: string;
	html?: string;
}

/** Values for a template's placeholders, by name. */
export type TemplateVars = Record<string, string | number>;

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const HTML_ESCAPES: Record<string, string> = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	'"': "&quot;",
	"'": "&#39;",
};
const LINE_BREAKS = /[\r\n]+/g;

/** Escapes the five characters that matter in HTML text and quoted attributes. */
function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * Replaces every placeholder in one pass, so a value that itself looks like
 * `{{name}}` is inserted as text and never expanded.
 */
function fill(
	source: string,
	vars: TemplateVars,
	encode: (value: string) => string,
): string {
	return source.replace(PLACEHOLDER, (_match, name: string) => {
		if (!Object.hasOwn(vars, name)) {
			throw new MailError(
				"INVALID_TEMPLATE",
				`Mail template uses {{${name}}}, but no value was given for it`,
				{ retryable: false },
			);
		}
		return encode(String(vars[name]));
	});
}

/**
 * Fills a template's `{{name}}` placeholders. Values are HTML-escaped in `html`,
 * inserted as they are in `text`, and stripped of line breaks in `subject` (each run
 * of CR/LF becomes one space), so a value can neither inject markup nor a header
 * field. A placeholder with no value throws an `INVALID_TEMPLATE` MailError, so a
 * typo fails a test instead of reaching a user as `{{lnik}}`.
 *
 * @example renderTemplate(mailTemplates.verification, { appName: "Acme", link }) // { subject: "Confirm your email for Acme", … }
 */
export function renderTemplate(
	template: MailTemplate,
	vars: TemplateVars,
): MailTemplate {
	const rendered: MailTemplate = {
		subject: fill(template.subject, vars, (value) =>
			value.replace(LINE_BREAKS, " "),
		),
		text: fill(template.text, vars, (value) => value),
	};
	if (template.html !== undefined) {
		rendered.html = fill(template.html, vars, escapeHtml);
	}
	return rendered;
}

/** Wraps a body in the minimal HTML document every built-in template shares. */
function htmlPage(body: string): string {
	return `<!doctype html>
<html>
<body style="font-family: sans-serif; line-height: 1.5;">
${body}
</body>
</html>
`;
}

/**
 * The mails Basalt's auth flows send, each filled with `{{appName}}` and `{{link}}`.
 * Plain wording, a text part for every client and a link that also works copied.
 */
export const mailTemplates = Object.freeze({
	/** Sent after sign-up: confirms the address belongs to the user. */
	verification: Object.freeze({
		subject: "Confirm your email for {{appName}}",
		text: `Hi,

Thanks for signing up for {{appName}}. Please confirm your email address by opening this link:

{{link}}

If you did not sign up, you can ignore this email.
`,
		html: htmlPage(`<p>Hi,</p>
<p>Thanks for signing up for {{appName}}. Please confirm your email address:</p>
<p><a href="{{link}}">Confirm my email</a></p>
<p>Or copy this link into your browser: {{link}}</p>
<p>If you did not sign up, you can ignore this email.</p>`),
	}),
	/** Sent on request: lets the user choose a new password. */
	passwordReset: Object.freeze({
		subject: "Reset your {{appName}} password",
		text: `Hi,

Someone asked to reset the password of your {{appName}} account. To choose a new password, open this link:

{{link}}

If it was not you, ignore this email: your password stays the same.
`,
		html: htmlPage(`<p>Hi,</p>
<p>Someone asked to reset the password of your {{appName}} account. To choose a new password:</p>
<p><a href="{{link}}">Reset my password</a></p>
<p>Or copy this link into your browser: {{link}}</p>
<p>If it was not you, ignore this email: your password stays the same.</p>`),
	}),
	/** Sent to the new address: confirms the change of a user's email. */
	emailChange: Object.freeze({
		subject: "Confirm your new email for {{appName}}",
		text: `Hi,

You asked to use this address for your {{appName}} account. To confirm the change, open this link:

{{link}}

If you did not ask for this, ignore this email: your account keeps its current address.
`,
		html: htmlPage(`<p>Hi,</p>
<p>You asked to use this address for your {{appName}} account. To confirm the change:</p>
<p><a href="{{link}}">Confirm my new email</a></p>
<p>Or copy this link into your browser: {{link}}</p>
<p>If you did not ask for this, ignore this email: your account keeps its current address.</p>`),
	}),
} satisfies Record<string, MailTemplate>);

/** The name of a built-in template. */
export type MailTemplateName = keyof typeof mailTemplates;
