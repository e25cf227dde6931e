import { sql } from "kysely";
import { randomToken, sha256Hex } from "../../tools/crypto/index.js";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";

/** Who a refresh token belongs to. */
export interface RefreshOwner {
	collectionId: string;
	recordId: string;
	/** The account's token-key fingerprint when the token was issued. */
	tkh: string;
}

/** What spending a refresh token found. */
export type SpendOutcome =
	| { kind: "spent"; owner: RefreshOwner; familyId: string }
	| { kind: "reused"; familyId: string }
	| { kind: "unknown" };

/** Refresh tokens, each spendable once, grouped in families. */
export interface RefreshTokens {
	/** Issues a token, in a new family unless one is given. */
	issue(owner: RefreshOwner, familyId?: string): Promise<string>;
	/** Spends a token: it can be spent once, before it expires, unless revoked. */
	spend(token: string): Promise<SpendOutcome>;
	/** Revokes every token of a family (logout, or a detected reuse). */
	revokeFamily(familyId: string): Promise<void>;
	/** Deletes tokens that expired before `cutoff` (the maintenance job). */
	purgeExpired(cutoff: Date): Promise<number>;
	/** The family of a token, to log it out (spent or not). */
	familyOf(token: string): Promise<string | undefined>;
}

/**
 * Refresh tokens (docs/auth.md#refresh-tokens): opaque random strings, stored only as
 * SHA-256 hashes, each spendable once. Spending is one conditional UPDATE, so of any
 * number of concurrent refreshes with one token exactly one wins.
 */
export function createRefreshTokens(deps: {
	db: Database;
	newId: IdGenerator;
	clock: Clock;
	ttlMs: number;
}): RefreshTokens {
	const { db } = deps;
	return {
		async issue(owner: RefreshOwner, familyId?: string): Promise<string> {
			const token = randomToken(32);
			const now = deps.clock();
			await db.kysely
				.insertInto("_refresh_tokens")
				.values({
					id: deps.newId(),
					family_id: familyId ?? deps.newId(),
					collection_id: owner.collectionId,
					record_id: owner.recordId,
					token_hash: sha256Hex(token),
					tkh: owner.tkh,
					created: now.toISOString(),
					expires: new Date(now.getTime() + deps.ttlMs).toISOString(),
				})
				.execute();
			return token;
		},
		async spend(token: string): Promise<SpendOutcome> {
			const hash = sha256Hex(token);
			const now = deps.clock().toISOString();
			const spent = await sql<
				Record<string, unknown>
			>`UPDATE _refresh_tokens SET used_at = ${now} WHERE token_hash = ${hash} AND used_at IS NULL AND revoked_at IS NULL AND expires > ${now} RETURNING family_id, collection_id, record_id, tkh`.execute(
				db.kysely,
			);
			const row = spent.rows[0];
			if (row) {
				const owner = {
					collectionId: row.collection_id as string,
					recordId: row.record_id as string,
					tkh: row.tkh as string,
				};
				return { kind: "spent", owner, familyId: row.family_id as string };
			}
			const known = await db.kysely
				.selectFrom("_refresh_tokens")
				.select(["family_id", "used_at"])
				.where("token_hash", "=", hash)
				.executeTakeFirst();
			if (known?.used_at)
				return { kind: "reused", familyId: known.family_id as string };
			return { kind: "unknown" };
		},
		async revokeFamily(familyId: string): Promise<void> {
			await db.kysely
				.updateTable("_refresh_tokens")
				.set({ revoked_at: deps.clock().toISOString() })
				.where("family_id", "=", familyId)
				.where("revoked_at", "is", null)
				.execute();
		},
		async purgeExpired(cutoff: Date): Promise<number> {
			const result = await db.kysely
				.deleteFrom("_refresh_tokens")
				.where("expires", "<", cutoff.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
		async familyOf(token: string): Promise<string | undefined> {
			const row = await db.kysely
				.selectFrom("_refresh_tokens")
				.select("family_id")
				.where("token_hash", "=", sha256Hex(token))
				.executeTakeFirst();
			return row?.family_id as string | undefined;
		},
	};
}
