import { randomToken, sha256Hex } from "../../tools/crypto/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";

/** Whose sign-in an exchange code stands for. */
export interface CompletedSignIn {
	provider: string;
	collectionId: string;
	recordId: string;
	/** True when this sign-in created the account. */
	isNew: boolean;
}

/** Longer than any code Basalt makes; anything else is not worth hashing. */
const MAX_CODE_LENGTH = 128;

/**
 * One-time codes (`_oauth2_exchange_codes`) that carry a finished sign-in from the
 * callback to the app: tokens never travel in a URL, only this code, which is 256
 * random bits, stored as its SHA-256, valid for `ttlMs` and spent by one
 * DELETE … RETURNING, so it is traded for a session exactly once.
 */
export function createExchangeCodes(deps: {
	db: Database;
	clock: Clock;
	ttlMs: number;
}) {
	const { db } = deps;
	const bool = (value: boolean) => db.dialect.encode("boolean", value);
	return {
		/** Stores a finished sign-in; returns the code to hand the app. */
		async issue(signIn: CompletedSignIn): Promise<string> {
			const code = randomToken(32);
			const now = deps.clock();
			await db.kysely
				.insertInto("_oauth2_exchange_codes")
				.values({
					id: sha256Hex(code),
					provider: signIn.provider,
					collection_id: signIn.collectionId,
					record_id: signIn.recordId,
					is_new: bool(signIn.isNew),
					created: now.toISOString(),
					expires: new Date(now.getTime() + deps.ttlMs).toISOString(),
				})
				.execute();
			return code;
		},

		/** Spends a code; undefined when it is unknown, expired or already spent. */
		async redeem(code: string): Promise<CompletedSignIn | undefined> {
			if (code.length === 0 || code.length > MAX_CODE_LENGTH) return undefined;
			const row = await db.kysely
				.deleteFrom("_oauth2_exchange_codes")
				.where("id", "=", sha256Hex(code))
				.where("expires", ">", deps.clock().toISOString())
				.returningAll()
				.executeTakeFirst();
			if (!row) return undefined;
			return {
				provider: row.provider as string,
				collectionId: row.collection_id as string,
				recordId: row.record_id as string,
				isNew: db.dialect.decode("boolean", row.is_new) as boolean,
			};
		},
	};
}

/** The exchange codes table. */
export type ExchangeCodes = ReturnType<typeof createExchangeCodes>;
