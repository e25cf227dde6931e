import {
	hashPassword,
	randomToken,
	verifyPassword,
} from "../../tools/crypto/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { AuditLog } from "../audit/index.js";
import { type AccessTokens, tokenKeyFingerprint } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Caller, Collection, RecordCaller } from "../model/index.js";
import type { RecordData } from "../records/index.js";
import type { AccountCache, CachedAccount } from "./account-cache.js";
import {
	authCollectionById,
	authCollectionNamed,
	createAccountReader,
	rotateTokenKey,
} from "./account-rows.js";
import type { RefreshTokens } from "./refresh-tokens.js";

/** What a sign-in answers (docs/auth.md#signing-up-and-signing-in). */
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
	audit: AuditLog;
	logger: Logger;
	/** Signed-in accounts of recent requests; told of the writes made here. */
	cache: AccountCache;
	/** Hears each detected refresh-token reuse (the metrics). */
	onRefreshReuse?: () => void;
}

/** Signs accounts of auth collections in and out, and turns their tokens into callers. */
export interface AccountsService {
	/** Checks an email and password; the same 400, in the same time, for a wrong password and an unknown email. */
	login(
		collectionName: string,
		identity: string,
		password: string,
	): Promise<Session>;
	/**
	 * Spends a refresh token for a new pair. A token spent before means it leaked
	 * (or a client raced itself): its whole family is revoked and logged.
	 */
	refresh(token: string): Promise<Session>;
	/**
	 * Ends every session of the caller's account at once (sign out everywhere):
	 * a new token key makes every access and refresh token it had fail.
	 */
	logoutEverywhere(caller: Caller): Promise<void>;
	/**
	 * Starts a session for an account the server authenticated by other means (an
	 * OAuth2 sign-in); undefined when the account or its collection is gone.
	 */
	sessionForAccount(
		collectionId: string,
		recordId: string,
	): Promise<Session | undefined>;
	/**
	 * The account with this id as a caller now (its current fields, for rules),
	 * for work it started that runs on (a job); INVALID_TOKEN when it is gone.
	 */
	currentCaller(collectionId: string, id: string): Promise<RecordCaller>;
	/**
	 * Tells the service an account row was written past it and the records
	 * service (a direct UPDATE), so no request acts on the row as it was.
	 */
	accountWritten(collectionId: string, id: string): void;
	/** Ends the sign-in a refresh token belongs to (every token of its family). */
	logout(token: string): Promise<void>;
	/**
	 * Issues a short-lived access token for an account to a superuser acting as it
	 * (support, debugging): no refresh token, and the token names the superuser.
	 */
	impersonate(
		superuserId: string,
		collectionName: string,
		recordId: string,
		ttlMs: number,
	): Promise<Omit<Session, "refreshToken">>;
	/**
	 * The signed-in record an access token names; INVALID_TOKEN if it changed.
	 * Callers are shared between requests through the account cache, so they are
	 * frozen.
	 */
	callerFor(
		collectionId: string,
		sub: string,
		tkh: string,
	): Promise<RecordCaller>;
}

/**
 * Sign-in for the records of auth collections (docs/auth.md#signing-up-and-signing-in):
 * password login, refresh-token rotation with reuse detection, logout, and turning an
 * access token back into the signed-in record.
 */
export function createAccountsService(deps: AccountsDeps): AccountsService {
	// Unknown emails verify against this, so both answers cost one argon2 run.
	let decoy: Promise<string> | undefined;
	const decoyHash = () => {
		decoy ??= hashPassword(randomToken());
		return decoy;
	};

	const authCollection = (name: string) =>
		authCollectionNamed(deps.registry, name);
	const accountRow = createAccountReader(deps.db);

	/** The account as a caller: from the cache, else read (and kept). */
	async function accountNow(
		collectionId: string,
		id: string,
	): Promise<CachedAccount | undefined> {
		return deps.cache.get(collectionId, id) ?? readAccount(collectionId, id);
	}

	/** Reads an account as a caller, and keeps it in the cache. */
	async function readAccount(
		collectionId: string,
		id: string,
	): Promise<CachedAccount | undefined> {
		const generation = deps.registry.generation;
		const collection = authCollectionById(deps.registry, collectionId);
		const row = collection ? await accountRow(collection, "id", id) : undefined;
		if (!collection || !row) return undefined;
		const caller: RecordCaller = Object.freeze({
			kind: "record",
			id,
			collectionId,
			collectionName: collection.name,
			record: deepFreeze(deps.decode(collection, row)),
		});
		const account = { caller, tkh: tokenKeyFingerprint(row.token_key) };
		deps.cache.keep(account, generation);
		return account;
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

		async refresh(token: string): Promise<Session> {
			const outcome = await deps.refresh.spend(token);
			if (outcome.kind === "reused") {
				deps.onRefreshReuse?.();
				await deps.refresh.revokeFamily(outcome.familyId);
				deps.logger.warn(
					{ familyId: outcome.familyId },
					"refresh token reused: its sessions were revoked",
				);
				await deps.audit.record({
					action: "auth.refresh_reused",
					details: { familyId: outcome.familyId },
				});
				throw new AppError("INVALID_TOKEN", {
					detail: "The refresh token was already used; its sessions are ended.",
				});
			}
			if (outcome.kind === "unknown")
				throw new AppError("INVALID_TOKEN", {
					detail: "The refresh token is invalid or expired.",
				});
			const collection = authCollectionById(
				deps.registry,
				outcome.owner.collectionId,
			);
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

		async logoutEverywhere(caller: Caller): Promise<void> {
			if (caller.kind !== "record")
				throw new AppError("AUTH_REQUIRED", {
					detail: "Sign in to an auth collection to end its sessions.",
				});
			// An API key must not be able to sign its owner out (and itself with them).
			if (caller.grant) throw new AppError("SESSION_REQUIRED");
			const collection = authCollectionById(deps.registry, caller.collectionId);
			if (!collection) throw new AppError("INVALID_TOKEN");
			await rotateTokenKey(deps.db.kysely, collection, caller.id);
			deps.cache.forget(collection.id, caller.id);
			await deps.audit.record({
				action: "auth.logout_everywhere",
				actor: caller,
				collection: collection.name,
				recordId: caller.id,
			});
		},

		async sessionForAccount(
			collectionId: string,
			recordId: string,
		): Promise<Session | undefined> {
			const collection = authCollectionById(deps.registry, collectionId);
			const row = collection
				? await accountRow(collection, "id", recordId)
				: undefined;
			return collection && row ? sessionFor(collection, row) : undefined;
		},

		async currentCaller(
			collectionId: string,
			id: string,
		): Promise<RecordCaller> {
			const account = await accountNow(collectionId, id);
			if (!account)
				throw new AppError("INVALID_TOKEN", {
					detail: "The account no longer exists.",
				});
			return account.caller;
		},

		accountWritten(collectionId: string, id: string): void {
			deps.cache.forget(collectionId, id);
		},

		async logout(token: string): Promise<void> {
			const family = await deps.refresh.familyOf(token);
			if (family) await deps.refresh.revokeFamily(family);
		},

		async impersonate(
			superuserId: string,
			collectionName: string,
			recordId: string,
			ttlMs: number,
		): Promise<Omit<Session, "refreshToken">> {
			const collection = authCollection(collectionName);
			const row = await accountRow(collection, "id", recordId);
			if (!row)
				throw new AppError("RECORD_NOT_FOUND", {
					detail: `No record "${recordId.slice(0, 64)}" in "${collection.name}".`,
				});
			const access = await deps.tokens.issue(
				{
					sub: row.id,
					col: collection.id,
					tkh: tokenKeyFingerprint(row.token_key),
					imp: superuserId,
				},
				ttlMs,
			);
			return {
				token: access.token,
				expiresIn: access.expiresIn,
				record: deps.decode(collection, row),
			};
		},

		async callerFor(
			collectionId: string,
			sub: string,
			tkh: string,
		): Promise<RecordCaller> {
			const account = await accountNow(collectionId, sub);
			if (account?.tkh !== tkh) {
				throw new AppError("INVALID_TOKEN", {
					detail: "The access token is no longer valid.",
				});
			}
			return account.caller;
		},
	};
}

/** Freezes a decoded record and the objects and arrays inside it (JSON fields). */
function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const inner of Object.values(value)) deepFreeze(inner);
	}
	return value;
}
