import { sql } from "kysely";
import { randomToken, sha256Hex } from "../../tools/crypto/index.js";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database, Executor } from "../db/index.js";

/** What an account token lets its holder do. */
export type AccountTokenPurpose =
	| "verification"
	| "password-reset"
	| "email-change";

/** How long each kind of token lives: long enough to reach a mailbox, no longer. */
export const ACCOUNT_TOKEN_TTL_MS: Record<AccountTokenPurpose, number> = {
	verification: 3 * 24 * 60 * 60 * 1000,
	"password-reset": 30 * 60 * 1000,
	"email-change": 60 * 60 * 1000,
};

/** The account a token was issued for, and under which token key. */
export interface AccountTokenOwner {
	collectionId: string;
	recordId: string;
	/** The account's token-key fingerprint when the token was issued. */
	tkh: string;
}

/** A spent token: whose it was, and the new address of an email change. */
export interface SpentAccountToken extends AccountTokenOwner {
	newEmail: string | null;
}

/** The one-time tokens of the email flows. */
export interface AccountTokens {
	/** Issues a token for `purpose`, valid for ACCOUNT_TOKEN_TTL_MS of it. */
	issue(
		purpose: AccountTokenPurpose,
		owner: AccountTokenOwner,
		newEmail?: string | null,
	): Promise<string>;
	/**
	 * Spends a token of `purpose` for a collection, inside `trx` so that the
	 * change it allows commits with it; undefined when it is unknown, spent,
	 * expired or of another purpose or collection.
	 */
	spend(
		trx: Executor,
		purpose: AccountTokenPurpose,
		collectionId: string,
		token: string,
	): Promise<SpentAccountToken | undefined>;
	/** Deletes tokens that expired before `cutoff` (the maintenance job). */
	purgeExpired(cutoff: Date): Promise<number>;
}

/**
 * The one-time tokens of the email flows: opaque random strings mailed to the
 * account, stored only as SHA-256 hashes. Spending is one conditional UPDATE, so a
 * token works once however many requests race with it.
 */
export function createAccountTokens(deps: {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
}): AccountTokens {
	return {
		async issue(
			purpose: AccountTokenPurpose,
			owner: AccountTokenOwner,
			newEmail: string | null = null,
		): Promise<string> {
			const token = randomToken(32);
			const now = deps.clock();
			await deps.db.kysely
				.insertInto("_account_tokens")
				.values({
					id: deps.newId(),
					purpose,
					collection_id: owner.collectionId,
					record_id: owner.recordId,
					token_hash: sha256Hex(token),
					tkh: owner.tkh,
					new_email: newEmail,
					created: now.toISOString(),
					expires: new Date(
						now.getTime() + ACCOUNT_TOKEN_TTL_MS[purpose],
					).toISOString(),
				})
				.execute();
			return token;
		},

		async spend(
			trx: Executor,
			purpose: AccountTokenPurpose,
			collectionId: string,
			token: string,
		): Promise<SpentAccountToken | undefined> {
			const now = deps.clock().toISOString();
			const result = await sql<Record<string, unknown>>`UPDATE _account_tokens
				SET used_at = ${now}
				WHERE token_hash = ${sha256Hex(token)} AND purpose = ${purpose}
					AND collection_id = ${collectionId} AND used_at IS NULL AND expires > ${now}
				RETURNING record_id, tkh, new_email`.execute(trx);
			const row = result.rows[0];
			if (!row) return undefined;
			return {
				collectionId,
				recordId: row.record_id as string,
				tkh: row.tkh as string,
				newEmail: (row.new_email as string | null) ?? null,
			};
		},

		async purgeExpired(cutoff: Date): Promise<number> {
			const result = await deps.db.kysely
				.deleteFrom("_account_tokens")
				.where("expires", "<", cutoff.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
	};
}
