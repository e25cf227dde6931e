import type { MailMessage } from "./mail-message.js";

/** What a transport reports for a sent (or logged) message. */
export interface SentMail {
	/** The Message-ID header value, angle brackets included. */
	messageId: string;
}

/**
 * Delivers mail: SMTP in production, the log when no SMTP server is configured
 * (docs/architecture.md#drivers-and-dialects). Both validate the message first and
 * throw MailError for anything that is not sent.
 */
export interface MailTransport {
	/** Sends one message; rejects with a MailError whose `retryable` tells the queue what to do. */
	send(message: MailMessage): Promise<SentMail>;
	/** Releases connections; later sends reject with a retryable `TRANSPORT_CLOSED`. */
	close(): Promise<void>;
}
