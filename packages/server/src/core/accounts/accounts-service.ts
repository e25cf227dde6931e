import { sql } from "kysely";
import {
	hashPassword,
	randomToken,
	verifyPassword,
} from "../../tools/crypto/index.js";
import { AppError } from "../../tools/errors/index.js";
import type { Logger } from "../../tools/logger/index.js";
import {
	type AccessTokens,
	type RecordCaller,
	tokenKeyFingerprint,
} from "../auth/index.js";
import type { Collection, CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import type { RecordData } from "../records/index.js";
import { getAuthCollection } from "./auth-collection.js";
import type { RefreshTokens } from "./refresh-tokens.js";

/** What a sign-in answers (SPEC section 6). */
export interface Session {
	token: string;
	refreshToken: string;
	expiresIn: number;
	record: RecordData;
}

/** What the accounts service is built from. */
export interface AccountsDeps {
	db: Database;
	registry: CollectionRegistry;
	tokens: AccessTokens;
	refresh: RefreshTokens;
	/** Decodes a stored row of a collection as its owner sees it. */
	decode(collection: Collection, row: Record<string, unknown>): RecordData;
	logger: Logger;
}

/**
 * Sign-in for the records of auth collections (SPEC section 6): password login,
 * refresh-token rotation with reuse detection, logout, and turning an access token
 * back into the signed-in record.
 */
export function createAccountsService(deps: AccountsDeps) {
	// Unknown emails verify against this, so both answers cost one argon2 run.
	let decoy: Promise<string> | undefined;
	const decoyHash = () => {
		decoy ??= hashPassword(randomToken());
		return decoy;
	};

	const authCollection = (name: string) =>
		getAuthCollection(deps.registry, name);

	async function accountRow(
		collection: Collection,
		column: "id" | "email",
		value: string,
	) {
		const rows = await deps.db.read<Record<string, unknown>>(
			sql`SELECT * FROM ${sql.table(collection.name)} WHERE ${sql.ref(column)} = ${value}`.compile(
				deps.db.kysely,
			),
		);
		return rows[0];
	}

	async function sessionFor(
		collection: Collection,
		row: Record<string, unknown>,
		familyId?: string,
	): Promise<Session> {
		const owner = {
			collectionId: collection.id,
			recordId: row.id as string,
			tkh: tokenKeyFingerprint(row.token_key as string),
		};
		const access = await deps.tokens.issue({
			sub: owner.recordId,
			col: collection.id,
			tkh: owner.tkh,
		});
		const refreshToken = await deps.refresh.issue(owner, familyId);
		return {
			token: access.token,
			refreshToken,
			expiresIn: access.expiresIn,
			record: deps.decode(collection, row),
		};
	}

	return {
		/** Checks an email and password; the same 400, in the same time, for a wrong password and an unknown email. */
		async login(
			collectionName: string,
			identity: string,
			password: string,
		): Promise<Session> {
			const collection = authCollection(collectionName);
			const row = await accountRow(
				collection,
				"email",
				identity.trim().toLowerCase(),
			);
			const ok = await verifyPassword(
				row ? (row.password_hash as string) : await decoyHash(),
				password,
			);
			if (!row || !ok) throw new AppError("INVALID_CREDENTIALS");
			return sessionFor(collection, row);
		},

		/**
		 * Spends a refresh token for a new pair. A token spent before means it leaked
		 * (or a client raced itself): its whole family is revoked and logged.
		 */
		async refresh(
			token: string,
		): Promise<Omit<Session, "record"> & { record: RecordData }> {
			const outcome = await deps.refresh.spend(token);
			if (outcome.kind === "reused") {
				await deps.refresh.revokeFamily(outcome.familyId);
				deps.logger.warn(
					{ familyId: outcome.familyId },
					"refresh token reused: its sessions were revoked",
				);
				throw new AppError("INVALID_TOKEN", {
					detail: "The refresh token was already used; its sessions are ended.",
				});
			}
			if (outcome.kind === "unknown")
				throw new AppError("INVALID_TOKEN", {
					detail: "The refresh token is invalid or expired.",
				});
			const collection = deps.registry
				.list()
				.find((c) => c.id === outcome.owner.collectionId);
			const row = collection
				? await accountRow(collection, "id", outcome.owner.recordId)
				: undefined;
			if (
				!collection ||
				!row ||
				tokenKeyFingerprint(row.token_key as string) !== outcome.owner.tkh
			) {
				await deps.refresh.revokeFamily(outcome.familyId);
				throw new AppError("INVALID_TOKEN", {
					detail: "The account's sessions have ended.",
				});
			}
			return sessionFor(collection, row, outcome.familyId);
		},

		/**
		 * Starts a session for an account the server authenticated by other means (an
		 * OAuth2 sign-in); undefined when the account or its collection is gone.
		 */
		async sessionForAccount(
			collectionId: string,
			recordId: string,
		): Promise<Session | undefined> {
			const collection = deps.registry
				.list()
				.find((c) => c.id === collectionId && c.type === "auth");
			const row = collection
				? await accountRow(collection, "id", recordId)
				: undefined;
			return collection && row ? sessionFor(collection, row) : undefined;
		},

		/** Ends the sign-in a refresh token belongs to (every token of its family). */
		async logout(token: string): Promise<void> {
			const family = await deps.refresh.familyOf(token);
			if (family) await deps.refresh.revokeFamily(family);
		},

		/** The signed-in record an access token names; INVALID_TOKEN if it changed. */
		async callerFor(
			collectionId: string,
			sub: string,
			tkh: string,
		): Promise<RecordCaller> {
			const collection = deps.registry
				.list()
				.find((c) => c.id === collectionId);
			const row =
				collection?.type === "auth"
					? await accountRow(collection, "id", sub)
					: undefined;
			if (
				!collection ||
				!row ||
				tokenKeyFingerprint(row.token_key as string) !== tkh
			) {
				throw new AppError("INVALID_TOKEN", {
					detail: "The access token is no longer valid.",
				});
			}
			return {
				kind: "record",
				id: sub,
				collectionId,
				collectionName: collection.name,
				record: deps.decode(collection, row),
			};
		},
	};
}

/** The accounts service. */
export type AccountsService = ReturnType<typeof createAccountsService>;
