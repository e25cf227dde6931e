import { hashPassword, randomToken } from "../../tools/crypto/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { AppError, isAppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import { guest } from "../model/index.js";
import type { RecordsService } from "../records/index.js";
import type { ExternalAuths } from "./external-auths.js";
import type { ExternalIdentity } from "./provider-types.js";

/** Which account a provider identity signs in to. */
export interface LinkOutcome {
	recordId: string;
	/** True when the sign-in created the account. */
	isNew: boolean;
}

/** What the account linker is built from. */
export interface AccountLinkerDeps {
	db: Database;
	records: Pick<RecordsService, "writeInTransaction" | "writtenElsewhere">;
	links: ExternalAuths;
	clock: Clock;
	/** Told when an account row is secured by a direct write. */
	accountWritten(collectionId: string, id: string): void;
}

/**
 * Creates the function that decides which account a provider identity signs in to:
 *
 * 1. the account already linked to this identity;
 * 2. else the account with the same email, which is linked only if the provider
 *    vouches that the email is verified (never a silent takeover). An account that
 *    was itself never verified is then secured: marked verified, its password
 *    replaced and its sessions ended, so whoever registered the address before its
 *    owner (a "pre-hijack") loses the account;
 * 3. else a new account, if the collection's create rule is not locked (null): it
 *    is created as a guest's sign-up would be, so the rule and the collection's
 *    validation apply, with an unusable random password and `verified` as the
 *    provider says.
 *
 * Two first sign-ins of one identity at once: the loser finds the winner's link.
 */
export function createAccountLinker(deps: AccountLinkerDeps) {
	const { db } = deps;

	async function findByEmail(collection: Collection, email: string) {
		const row = await db.kysely
			.selectFrom(collection.name)
			.select(["id", "verified"])
			.where("email", "=", email)
			.executeTakeFirst();
		if (!row) return undefined;
		return {
			id: row.id as string,
			verified: db.dialect.decode("boolean", row.verified) as boolean,
		};
	}

	async function linkExisting(
		collection: Collection,
		provider: string,
		identity: ExternalIdentity,
		account: { id: string; verified: boolean },
	): Promise<string> {
		const secured = account.verified
			? undefined
			: {
					verified: db.dialect.encode("boolean", true),
					password_hash: await hashPassword(randomToken(32)),
					token_key: randomToken(),
					updated: deps.clock().toISOString(),
				};
		const linked = await db.kysely.transaction().execute(async (trx) => {
			if (secured)
				await trx
					.updateTable(collection.name)
					.set(secured)
					.where("id", "=", account.id)
					.execute();
			return deps.links.link(trx, {
				collectionId: collection.id,
				recordId: account.id,
				provider,
				subject: identity.subject,
			});
		});
		// After the commit: from here on no request acts on the pre-hijack sessions, and
		// no cached answer shows the account unverified.
		if (secured) {
			deps.accountWritten(collection.id, account.id);
			await deps.records.writtenElsewhere([collection.name]);
		}
		return linked;
	}

	async function signUp(
		collection: Collection,
		provider: string,
		identity: ExternalIdentity,
		email: string,
	): Promise<string> {
		if (collection.rules.create === null)
			throw new AppError("OAUTH2_SIGNUP_CLOSED");
		const password = randomToken(32);
		const body = { email, password, passwordConfirm: password };
		return deps.records.writeInTransaction(guest, async (writer) => {
			const created = await writer.attempt(collection.name, () =>
				writer.create(collection.name, body, {
					verified: identity.emailVerified,
				}),
			);
			if (!created.ok) throw created.error;
			const recordId = created.value.id as string;
			const linked = await deps.links.link(writer.trx, {
				collectionId: collection.id,
				recordId,
				provider,
				subject: identity.subject,
			});
			// Another sign-in linked this identity first: undo, and let the retry find it.
			if (linked !== recordId) throw new AppError("UNIQUE_VIOLATION");
			return recordId;
		});
	}

	async function resolve(
		collection: Collection,
		provider: string,
		identity: ExternalIdentity,
	): Promise<LinkOutcome> {
		const linked = await deps.links.findRecordId(
			db.kysely,
			collection.id,
			provider,
			identity.subject,
		);
		if (linked) return { recordId: linked, isNew: false };
		const { email } = identity;
		if (!email) throw new AppError("OAUTH2_EMAIL_MISSING");
		const existing = await findByEmail(collection, email);
		if (existing && !identity.emailVerified)
			throw new AppError("OAUTH2_EMAIL_NOT_VERIFIED");
		if (existing)
			return {
				recordId: await linkExisting(collection, provider, identity, existing),
				isNew: false,
			};
		return {
			recordId: await signUp(collection, provider, identity, email),
			isNew: true,
		};
	}

	return async function linkAccount(
		collection: Collection,
		provider: string,
		identity: ExternalIdentity,
	): Promise<LinkOutcome> {
		try {
			return await resolve(collection, provider, identity);
		} catch (err: unknown) {
			if (!isAppError(err) || err.code !== "UNIQUE_VIOLATION") throw err;
			return resolve(collection, provider, identity);
		}
	};
}

/** Decides (and if need be creates) the account a provider identity signs in to. */
export type AccountLinker = ReturnType<typeof createAccountLinker>;
