/**
 * The one error the mailer throws.
 *
 * The queue's mail job reads `retryable` to choose between "try again later" and
 * "give up": a retry can only help when the failure was in the network or the server
 * said "not now" (a 4xx reply, RFC 5321 section 4.2.1). A message we refuse to send,
 * bad configuration and a 5xx rejection fail the same way on every attempt.
 */

/** Why a mail was not sent. */
export type MailErrorCode =
	/** The message failed validateMailMessage: nothing was sent. */
	| "INVALID_MESSAGE"
	/** A template names a placeholder no value was given for. */
	| "INVALID_TEMPLATE"
	/** The transport settings are unusable (bad SMTP URL or default sender). */
	| "INVALID_CONFIG"
	/** send was called after close. */
	| "TRANSPORT_CLOSED"
	/** The SMTP server answered with an error reply; see `responseCode`. */
	| "SMTP_REJECTED"
	/** The SMTP server could not be reached or stopped answering. */
	| "CONNECTION_FAILED"
	/** Anything else the mail library reported. */
	| "SEND_FAILED";

/** What a MailError carries besides its message. */
export interface MailErrorOptions {
	/** True when sending the same message again later may succeed. */
	retryable: boolean;
	/** The SMTP reply code, when the server gave one. */
	responseCode?: number;
}

/**
 * Reports a mail that was not sent, and whether trying again may help.
 *
 * The message never holds credentials: the SMTP transport builds it from the parts of
 * the underlying error it has checked, and carries no `cause` for that reason.
 *
 * @example throw new MailError("SMTP_REJECTED", "550 mailbox unavailable", { retryable: false, responseCode: 550 });
 */
export class MailError extends Error {
	readonly code: MailErrorCode;
	readonly retryable: boolean;
	readonly responseCode: number | undefined;

	constructor(code: MailErrorCode, message: string, options: MailErrorOptions) {
		super(message);
		this.name = "MailError";
		this.code = code;
		this.retryable = options.retryable;
		this.responseCode = options.responseCode;
	}
}

/** Tells whether a value is a MailError. */
export function isMailError(value: unknown): value is MailError {
	return value instanceof MailError;
}
