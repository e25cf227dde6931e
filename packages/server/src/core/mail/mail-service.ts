import {
	isMailError,
	type MailMessage,
	type MailTemplate,
	type MailTransport,
	renderTemplate,
	type SentMail,
	type TemplateVars,
	validateMailMessage,
} from "../../tools/mailer/index.js";
import type { Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import {
	type Job,
	type JobsService,
	PermanentJobError,
} from "../jobs/index.js";

/** The job that sends one message. */
export const MAIL_JOB = "basalt.mail.send";

/** Sends mail through the job queue. */
export interface MailService {
	/** Queues a message; inside `trx` it is sent only if the transaction commits. */
	send(message: MailMessage, trx?: Executor): Promise<Job>;
	/** Renders a template and queues the message. */
	sendTemplate(
		template: MailTemplate,
		vars: TemplateVars,
		to: string,
		trx?: Executor,
	): Promise<Job>;
	/**
	 * Sends at once (from a job handler that is itself retried): for messages that
	 * must not rest in a job payload, such as ones carrying a one-time link.
	 */
	deliver(message: MailMessage): Promise<SentMail>;
	/** Closes the transport's connections. */
	close(): Promise<void>;
}

/**
 * Sends mail, always through the job queue (docs/jobs.md#mail): a request never waits
 * on an SMTP server, a message enqueued in a write's transaction goes out only if the
 * write commits, and a temporary SMTP failure is retried with backoff.
 */
export function createMailService(deps: {
	jobs: JobsService;
	transport: MailTransport;
}): MailService {
	/**
	 * Sends now, from inside a job: a refused recipient or an invalid message will not
	 * change on retry, so it fails the job for good; anything else is retried.
	 */
	async function deliver(message: MailMessage): Promise<SentMail> {
		try {
			const sent = await deps.transport.send(message);
			return { messageId: sent.messageId };
		} catch (err: unknown) {
			if (isMailError(err) && !err.retryable)
				throw new PermanentJobError(err.message, { cause: err });
			throw err;
		}
	}

	deps.jobs.register(MAIL_JOB, {
		timeoutMs: 120_000,
		handler: ({ job }) => deliver(job.payload as MailMessage),
	});

	async function send(message: MailMessage, trx?: Executor): Promise<Job> {
		try {
			validateMailMessage(message);
		} catch (err: unknown) {
			throw new AppError("VALIDATION_FAILED", {
				detail: isMailError(err) ? err.message : "The message is invalid.",
				cause: err,
			});
		}
		return deps.jobs.enqueue(
			{
				name: MAIL_JOB,
				payload: message,
				options: { queue: "mail", maxAttempts: 8 },
			},
			trx,
		);
	}

	return {
		send,
		sendTemplate(
			template: MailTemplate,
			vars: TemplateVars,
			to: string,
			trx?: Executor,
		): Promise<Job> {
			return send({ to, ...renderTemplate(template, vars) }, trx);
		},
		deliver,
		close: () => deps.transport.close(),
	};
}
