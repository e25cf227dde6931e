import { sql } from "kysely";
import { verifyPassword } from "../../tools/crypto/index.js";
import type { Logger } from "../../tools/logger/index.js";
import {
	type MailTemplate,
	mailTemplates,
	renderTemplate,
} from "../../tools/mailer/index.js";
import type { AuditAction, AuditLog } from "../audit/index.js";
import { tokenKeyFingerprint } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database, Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { JobsService } from "../jobs/index.js";
import type { MailService } from "../mail/index.js";
import type { Caller, Collection, SuperuserCaller } from "../model/index.js";
import type { RecordWriter } from "../records/index.js";
import {
	type AccountRow,
	authCollectionById,
	authCollectionNamed,
	createAccountReader,
	rotateTokenKey,
} from "./account-rows.js";
import type {
	AccountTokenPurpose,
	AccountTokens,
	SpentAccountToken,
} from "./account-tokens.js";

/** The job that looks an account up and mails it a one-time link. */
export const ACCOUNT_MAIL_JOB = "basalt.accounts.mail";

/** What an account-mail job is asked to send. */
type AccountMailRequest =
	| { flow: "verification"; collectionId: string; email: string }
	| { flow: "password-reset"; collectionId: string; email: string }
	| {
			flow: "email-change";
			collectionId: string;
			recordId: string;
			newEmail: string;
	  };

/** The confirm endpoint each flow's link leads to, and the mail that carries it. */
const FLOWS: Record<
	AccountTokenPurpose,
	{ confirm: string; template: MailTemplate }
> = {
	verification: {
		confirm: "confirm-verification",
		template: mailTemplates.verification,
	},
	"password-reset": {
		confirm: "confirm-password-reset",
		template: mailTemplates.passwordReset,
	},
	"email-change": {
		confirm: "confirm-email-change",
		template: mailTemplates.emailChange,
	},
};

/** What the confirm step of a flow may do, inside its transaction. */
interface AccountChange {
	trx: Executor;
	collection: Collection;
	account: AccountRow;
	spent: SpentAccountToken;
	/** Writes account members as the flows do (validated, with change events). */
	write(body: Record<string, unknown>): Promise<void>;
	/** Records the change in the audit trail, in the same transaction. */
	audit(action: AuditAction): Promise<void>;
}

/**
 * The writes of the flows are Basalt's own, not a client's: they pass the rules the
 * way a superuser's do, and still go through record validation and change events.
 */
const ACCOUNT_FLOWS: SuperuserCaller = Object.freeze({
	kind: "superuser",
	id: "",
	email: "",
});

/** What the account email flows are built from. */
export interface AccountEmailsDeps {
	db: Database;
	registry: CollectionRegistry;
	jobs: JobsService;
	mail: MailService;
	tokens: AccountTokens;
	/** Runs record writes in one transaction as a caller (the records service). */
	writeInTransaction<T>(
		caller: Caller,
		work: (writer: RecordWriter) => Promise<T>,
	): Promise<T>;
	/** Where the links in the mail point: `<appUrl>/auth/<confirm endpoint>#…`. */
	appUrl: string;
	appName: string;
	audit: AuditLog;
	logger: Logger;
}

/** The email flows of auth collections: verification, password reset, email change. */
export interface AccountEmails {
	/** Mails a verification link to an unverified account with this email, if any. */
	requestVerification(collectionName: string, email: string): Promise<void>;
	/** Marks the token's account verified. */
	confirmVerification(collectionName: string, token: string): Promise<void>;
	/** Mails a password-reset link to the account with this email, if any. */
	requestPasswordReset(collectionName: string, email: string): Promise<void>;
	/**
	 * Sets a new password (checked by the password policy), ending every session of
	 * the account; the mailbox was proven, so the account is verified too. A refused
	 * password leaves the token unspent, to try again.
	 */
	confirmPasswordReset(
		collectionName: string,
		token: string,
		password: string,
		passwordConfirm: string,
	): Promise<void>;
	/**
	 * Mails a link to `newEmail` that moves the caller's account there. Nothing is
	 * sent when the address is taken, and the answer does not say so.
	 */
	requestEmailChange(
		caller: Caller,
		collectionName: string,
		newEmail: string,
	): Promise<void>;
	/**
	 * Moves the account to the token's new address, given the account's password;
	 * its sessions end (the address signs in from now on) and it is verified.
	 */
	confirmEmailChange(
		collectionName: string,
		token: string,
		password: string,
	): Promise<void>;
}

/**
 * The email flows of auth collections (docs/auth.md#email-flows): verification,
 * password reset and email change, each a request that mails a one-time link and a
 * confirm that spends it.
 *
 * A request only checks its input and enqueues a job; the job looks the account up
 * and mails it if it exists. So the answer is the same, and takes the same time,
 * whether or not the account exists, and the one-time token is made inside the job
 * and mailed at once: it never rests in a job payload that superusers can read.
 */
export function createAccountEmails(deps: AccountEmailsDeps): AccountEmails {
	deps.jobs.register(ACCOUNT_MAIL_JOB, {
		timeoutMs: 120_000,
		handler: async ({ job }) =>
			sendAccountMail(job.payload as AccountMailRequest),
	});

	const findAccount = createAccountReader(deps.db);

	async function sendAccountMail(request: AccountMailRequest) {
		const collection = authCollectionById(deps.registry, request.collectionId);
		if (!collection) return { sent: false };
		if (request.flow === "email-change") {
			const account = await findAccount(collection, "id", request.recordId);
			const taken = await findAccount(collection, "email", request.newEmail);
			if (!account || taken) return { sent: false };
			await mailLink(
				"email-change",
				collection,
				account,
				request.newEmail,
				request.newEmail,
			);
			return { sent: true };
		}
		const account = await findAccount(collection, "email", request.email);
		if (!account) return { sent: false };
		if (request.flow === "verification" && account.verified)
			return { sent: false };
		await mailLink(request.flow, collection, account, account.email, null);
		return { sent: true };
	}

	async function mailLink(
		purpose: AccountTokenPurpose,
		collection: Collection,
		account: AccountRow,
		to: string,
		newEmail: string | null,
	): Promise<void> {
		const token = await deps.tokens.issue(
			purpose,
			{
				collectionId: collection.id,
				recordId: account.id,
				tkh: tokenKeyFingerprint(account.token_key),
			},
			newEmail,
		);
		const flow = FLOWS[purpose];
		// The token rides in the fragment: browsers never send it to a server or in a Referer.
		const link = `${deps.appUrl}/auth/${flow.confirm}#${new URLSearchParams({
			collection: collection.name,
			token,
		})}`;
		await deps.mail.deliver({
			to,
			...renderTemplate(flow.template, { appName: deps.appName, link }),
		});
	}

	async function enqueue(request: AccountMailRequest, key: string) {
		await deps.jobs.enqueue({
			name: ACCOUNT_MAIL_JOB,
			payload: request,
			// Requests repeated while one is waiting send one mail, not many.
			options: { queue: "mail", maxAttempts: 5, uniqueKey: key },
		});
	}

	/**
	 * Spends a token of `purpose` in `writer`'s transaction and reads its account
	 * there; ACCOUNT_TOKEN_INVALID when the token is unknown, used, expired, or was
	 * issued before the account's token key changed (a new password ends it).
	 */
	async function spendToken(
		writer: RecordWriter,
		purpose: AccountTokenPurpose,
		collection: Collection,
		token: string,
	): Promise<{ spent: SpentAccountToken; account: AccountRow }> {
		const spent = await deps.tokens.spend(
			writer.trx,
			purpose,
			collection.id,
			token,
		);
		const account = spent
			? await accountIn(writer.trx, collection, spent.recordId)
			: undefined;
		if (
			!spent ||
			!account ||
			tokenKeyFingerprint(account.token_key) !== spent.tkh
		) {
			throw new AppError("ACCOUNT_TOKEN_INVALID");
		}
		return { spent, account };
	}

	/** Writes an account as the flows do; a refused write is thrown (and rolls back). */
	async function writeAccount(
		writer: RecordWriter,
		collection: Collection,
		id: string,
		body: Record<string, unknown>,
	): Promise<void> {
		const outcome = await writer.attempt(collection.name, () =>
			writer.update(collection.name, id, body),
		);
		if (!outcome.ok) throw outcome.error;
	}

	/** Queues the mail of a flow that starts from an address (verification, reset). */
	async function requestByAddress(
		flow: "verification" | "password-reset",
		collectionName: string,
		email: string,
	): Promise<void> {
		const collection = authCollectionNamed(deps.registry, collectionName);
		const address = email.trim().toLowerCase();
		await enqueue(
			{ flow, collectionId: collection.id, email: address },
			`${flow}:${collection.id}:${address}`,
		);
	}

	/**
	 * Runs the confirm step of a flow in one transaction: spends the token, then lets
	 * `apply` change the account; any refusal rolls back the whole, token included.
	 */
	async function confirm(
		purpose: AccountTokenPurpose,
		collectionName: string,
		token: string,
		apply: (change: AccountChange) => Promise<void>,
	): Promise<{ collection: Collection; account: AccountRow }> {
		const collection = authCollectionNamed(deps.registry, collectionName);
		return deps.writeInTransaction(ACCOUNT_FLOWS, async (writer) => {
			const { spent, account } = await spendToken(
				writer,
				purpose,
				collection,
				token,
			);
			await apply({
				trx: writer.trx,
				collection,
				account,
				spent,
				write: (body) => writeAccount(writer, collection, account.id, body),
				audit: (action) =>
					deps.audit.record(
						{ action, collection: collection.name, recordId: account.id },
						writer.trx,
					),
			});
			return { collection, account };
		});
	}

	return {
		requestVerification: (collectionName: string, email: string) =>
			requestByAddress("verification", collectionName, email),

		async confirmVerification(
			collectionName: string,
			token: string,
		): Promise<void> {
			await confirm("verification", collectionName, token, (change) =>
				change.write({ verified: true }),
			);
		},

		requestPasswordReset: (collectionName: string, email: string) =>
			requestByAddress("password-reset", collectionName, email),

		async confirmPasswordReset(
			collectionName: string,
			token: string,
			password: string,
			passwordConfirm: string,
		): Promise<void> {
			await confirm("password-reset", collectionName, token, async (change) => {
				await change.write({ password, passwordConfirm, verified: true });
				await change.audit("auth.password_reset");
			});
		},

		async requestEmailChange(
			caller: Caller,
			collectionName: string,
			newEmail: string,
		): Promise<void> {
			const collection = authCollectionNamed(deps.registry, collectionName);
			if (caller.kind !== "record" || caller.collectionId !== collection.id)
				throw new AppError("AUTH_REQUIRED", {
					detail: `Sign in to "${collection.name}" to change your email.`,
				});
			const address = newEmail.trim().toLowerCase();
			await enqueue(
				{
					flow: "email-change",
					collectionId: collection.id,
					recordId: caller.id,
					newEmail: address,
				},
				`email-change:${collection.id}:${caller.id}`,
			);
		},

		async confirmEmailChange(
			collectionName: string,
			token: string,
			password: string,
		): Promise<void> {
			const { collection, account } = await confirm(
				"email-change",
				collectionName,
				token,
				async (change) => {
					if (!(await verifyPassword(change.account.password_hash, password)))
						throw new AppError("INVALID_CREDENTIALS", {
							detail: "The password is wrong.",
						});
					await change.write({ email: change.spent.newEmail, verified: true });
					await rotateTokenKey(
						change.trx,
						change.collection,
						change.account.id,
					);
					await change.audit("auth.email_changed");
				},
			);
			deps.logger.info(
				{ collection: collection.name, recordId: account.id },
				"account email changed; its sessions were ended",
			);
		},
	};
}

/** Reads an account inside a transaction. */
async function accountIn(
	trx: Executor,
	collection: Collection,
	id: string,
): Promise<AccountRow | undefined> {
	const result =
		await sql<AccountRow>`SELECT * FROM ${sql.table(collection.name)} WHERE id = ${id}`.execute(
			trx,
		);
	return result.rows[0];
}
