import { randomUUID } from "node:crypto";
import type { Logger } from "../logger/index.js";
import { MailError } from "./mail-error.js";
import { isMailbox, validateMailMessage } from "./mail-message.js";
import type { MailTransport } from "./mail-transport.js";

/** What createLogTransport needs. */
export interface LogTransportSettings {
	logger: Logger;
	/** The sender of messages that name none. */
	defaultFrom: string;
}

/**
 * Creates the transport used when `BASALT_SMTP_URL` is unset: each message becomes
 * one info-level log line (`mail: { messageId, to, from, subject, text, html,
 * headers }`) instead of a mail, so a developer can follow a verification link from
 * the log. The message is validated exactly as the SMTP transport validates it, so
 * what works here also works in production.
 *
 * @example createLogTransport({ logger, defaultFrom: "no-reply@example.com" }).send({ to: "ada@example.com", subject: "Hi", text: "Hello" });
 */
export function createLogTransport(
	settings: LogTransportSettings,
): MailTransport {
	if (!isMailbox(settings.defaultFrom)) {
		throw new MailError(
			"INVALID_CONFIG",
			"Log transport: defaultFrom is not a valid email address",
			{ retryable: false },
		);
	}
	let closed = false;
	return {
		async send(message) {
			validateMailMessage(message);
			if (closed) {
				throw new MailError("TRANSPORT_CLOSED", "Log transport is closed", {
					retryable: true,
				});
			}
			const messageId = `<${randomUUID()}@basalt.local>`;
			settings.logger.info(
				{
					mail: {
						messageId,
						to: message.to,
						from: message.from ?? settings.defaultFrom,
						subject: message.subject,
						text: message.text,
						html: message.html,
						headers: message.headers,
					},
				},
				"mail logged, not sent (no SMTP server configured)",
			);
			return { messageId };
		},
		async close() {
			closed = true;
		},
	};
}
