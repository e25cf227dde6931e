/**
 * Sending mail (docs/jobs.md#mail): the message type and its validation, the two
 * transports (SMTP and log), and templates. The queue's mail job is the only caller
 * that sends; `mailTransportFor` in `src/index.ts` picks the transport from
 * `BASALT_SMTP_URL`.
 */

export {
	createLogTransport,
	type LogTransportSettings,
} from "./log-transport.js";
export {
	isMailError,
	MailError,
	type MailErrorCode,
	type MailErrorOptions,
} from "./mail-error.js";
export {
	isMailAddress,
	isMailbox,
	type MailMessage,
	validateMailMessage,
} from "./mail-message.js";
export {
	type MailTemplate,
	type MailTemplateName,
	mailTemplates,
	renderTemplate,
	type TemplateVars,
} from "./mail-template.js";
export type { MailTransport, SentMail } from "./mail-transport.js";
// Types only: the SMTP transport (and nodemailer) is loaded from ./smtp-transport.js
// when an SMTP server is configured.
export type {
	SmtpTlsSettings,
	SmtpTransportSettings,
} from "./smtp-transport.js";
