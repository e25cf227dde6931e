import { MailError } from "./mail-error.js";

/** One mail to send: what the queue's mail job hands a MailTransport. */
export interface MailMessage {
	/** One address or several; `local@domain` or `Name <local@domain>`. */
	to: string | string[];
	/** The sender; the transport's default sender when absent. */
	from?: string;
	subject: string;
	text: string;
	/** An HTML alternative to `text`. */
	html?: string;
	/** Extra header fields, e.g. `List-Unsubscribe`. */
	headers?: Record<string, string>;
}

/**
 * Header fields the message fields or the MIME builder own; a custom one would
 * duplicate or contradict them (a custom `Bcc` would even be shown to every recipient).
 */
const RESERVED_HEADERS = new Set([
	"from",
	"sender",
	"to",
	"cc",
	"bcc",
	"subject",
	"date",
	"mime-version",
	"content-type",
	"content-transfer-encoding",
]);

// RFC 5322 section 3.2.3 atext, plus any letter or digit (RFC 6531 allows UTF-8 in the local part).
const LOCAL_PART =
	/^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// A top-level domain is letters (or an IDNA A-label): this rules out `a@1.2.3.4`.
const TOP_LEVEL_LABEL = /^(?:\p{L}{2,}|xn--[a-z0-9-]+)$/iu;
// `Display Name <addr>`: the name has no quote, bracket, separator or control character,
// so it cannot smuggle a second address; nodemailer quotes and encodes it.
const NAME_ADDR = /^([^<>"\\,;:@\p{Cc}]*)<([^<>]*)>$/u;
// RFC 5322 section 2.2: printable US-ASCII except the colon.
const HEADER_NAME = /^[!-9;-~]+$/;
const LINE_BREAK = /[\r\n]/;

/** Tells whether `addr` is a plausible `local@domain` address (no display name). */
export function isMailAddress(addr: string): boolean {
	// RFC 5321 section 4.5.3.1: 64 octets of local part, 254 for a whole path.
	if (addr.length > 254) return false;
	const at = addr.lastIndexOf("@");
	if (at < 1) return false;
	const local = addr.slice(0, at);
	const labels = addr.slice(at + 1).split(".");
	const top = labels.at(-1) ?? "";
	return (
		local.length <= 64 &&
		LOCAL_PART.test(local) &&
		labels.length >= 2 &&
		labels.every((label) => DOMAIN_LABEL.test(label)) &&
		TOP_LEVEL_LABEL.test(top)
	);
}

/** Tells whether `value` is an address, bare or as `Name <local@domain>`. */
export function isMailbox(value: string): boolean {
	const named = NAME_ADDR.exec(value);
	return isMailAddress(named ? (named[2] ?? "") : value);
}

/** Creates the error for a message we refuse to send. */
function invalid(detail: string): MailError {
	return new MailError("INVALID_MESSAGE", `Invalid mail message: ${detail}`, {
		retryable: false,
	});
}

function checkAddress(value: unknown, field: string): void {
	if (typeof value !== "string" || !isMailbox(value)) {
		throw invalid(`${field} is not a valid email address`);
	}
}

function checkRecipients(to: unknown): void {
	if (Array.isArray(to)) {
		if (to.length === 0) throw invalid("to has no address");
		for (const [i, addr] of (to as unknown[]).entries()) {
			checkAddress(addr, `to[${i}]`);
		}
	} else {
		checkAddress(to, "to");
	}
}

function checkHeaders(headers: unknown): void {
	if (headers === undefined) return;
	if (
		typeof headers !== "object" ||
		headers === null ||
		Array.isArray(headers)
	) {
		throw invalid("headers must be an object of strings");
	}
	for (const [name, value] of Object.entries(headers)) {
		if (!HEADER_NAME.test(name)) {
			throw invalid(`header name ${JSON.stringify(name)} is not valid`);
		}
		if (RESERVED_HEADERS.has(name.toLowerCase())) {
			throw invalid(`header ${name} is set from the message fields`);
		}
		if (typeof value !== "string" || LINE_BREAK.test(value)) {
			throw invalid(`header ${name} must be a string without line breaks`);
		}
	}
}

/**
 * Checks a message before it is sent and throws a non-retryable `INVALID_MESSAGE`
 * MailError at the first problem. A line break in an address, the subject or a header
 * value is refused rather than cleaned, since it is the way to inject header fields
 * (a `Bcc:` line) into a mail. Takes `unknown` because the queue reads messages back
 * from stored JSON.
 *
 * @example validateMailMessage({ to: "ada@example.com", subject: "Hi", text: "Hello" });
 */
export function validateMailMessage(
	message: unknown,
): asserts message is MailMessage {
	if (typeof message !== "object" || message === null) {
		throw invalid("not an object");
	}
	const m = message as Record<string, unknown>;
	checkRecipients(m.to);
	if (m.from !== undefined) checkAddress(m.from, "from");
	if (typeof m.subject !== "string") throw invalid("subject must be a string");
	if (LINE_BREAK.test(m.subject)) {
		throw invalid("subject contains a line break");
	}
	if (typeof m.text !== "string") throw invalid("text must be a string");
	if (m.html !== undefined && typeof m.html !== "string") {
		throw invalid("html must be a string");
	}
	checkHeaders(m.headers);
}
