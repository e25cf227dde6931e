import { randomToken, sha256Hex } from "../../tools/crypto/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import type { Sealer } from "../encryption/index.js";

/** A sign-in sent to a provider and not yet back. */
export interface PendingAuthorization {
	provider: string;
	collectionId: string;
	/** PKCE (RFC 7636): the secret whose hash went out as `code_challenge`. */
	codeVerifier: string;
	/** OpenID Connect: the ID token must carry it back. */
	nonce: string | undefined;
	/** The app URL the sign-in returns to, already checked against the allowlist. */
	redirectUrl: string;
	/** The app's own `state`, handed back untouched. */
	appState: string | undefined;
}

const SEAL_CONTEXT = "basalt:oauth2-state";
/** Longer than any state Basalt makes; anything else is not worth hashing. */
const MAX_STATE_LENGTH = 128;

/**
 * Sign-ins under way (`_oauth2_states`). The `state` sent to the provider is 256
 * random bits; only its SHA-256 is stored, and the PKCE verifier is sealed with the
 * master key, so a copy of the table starts or finishes no sign-in. Each state is
 * spent by one DELETE … RETURNING: of two callbacks with one state exactly one
 * gets it, and an expired state is never returned.
 */
export function createAuthorizationStates(deps: {
	db: Database;
	sealer: Sealer;
	clock: Clock;
	ttlMs: number;
}) {
	const { db } = deps;
	return {
		/** Stores a pending sign-in; returns the `state` to send. */
		async create(pending: PendingAuthorization): Promise<string> {
			const state = randomToken(32);
			const id = sha256Hex(state);
			const now = deps.clock();
			await db.kysely
				.insertInto("_oauth2_states")
				.values({
					id,
					provider: pending.provider,
					collection_id: pending.collectionId,
					code_verifier: deps.sealer.seal(
						pending.codeVerifier,
						`${SEAL_CONTEXT}:${id}`,
					),
					nonce: pending.nonce ?? null,
					redirect_url: pending.redirectUrl,
					app_state: pending.appState ?? null,
					created: now.toISOString(),
					expires: new Date(now.getTime() + deps.ttlMs).toISOString(),
				})
				.execute();
			return state;
		},

		/** Spends a state; undefined when it is unknown, expired or already spent. */
		async consume(state: string): Promise<PendingAuthorization | undefined> {
			if (state.length === 0 || state.length > MAX_STATE_LENGTH)
				return undefined;
			const id = sha256Hex(state);
			const row = await db.kysely
				.deleteFrom("_oauth2_states")
				.where("id", "=", id)
				.where("expires", ">", deps.clock().toISOString())
				.returningAll()
				.executeTakeFirst();
			if (!row) return undefined;
			return {
				provider: row.provider as string,
				collectionId: row.collection_id as string,
				codeVerifier: deps.sealer.open(
					row.code_verifier as string,
					`${SEAL_CONTEXT}:${id}`,
				),
				nonce: (row.nonce as string | null) ?? undefined,
				redirectUrl: row.redirect_url as string,
				appState: (row.app_state as string | null) ?? undefined,
			};
		},
	};
}

/** The pending sign-ins table. */
export type AuthorizationStates = ReturnType<typeof createAuthorizationStates>;
