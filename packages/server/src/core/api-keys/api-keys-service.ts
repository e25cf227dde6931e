import { sha256Hex } from "../../tools/crypto/index.js";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import { type Database, selectPage } from "../db/index.js";
import { AppError } from "../errors/index.js";
import {
	type Caller,
	grantOf,
	type RecordCaller,
	type SuperuserCaller,
} from "../model/index.js";
import { createApiKeyAuthenticator } from "./api-key-authenticator.js";
import { type ApiKeyInput, checkApiKeyInput } from "./api-key-input.js";
import { formatApiKey, newApiKeySecret } from "./api-key-token.js";
import { type KeyOwner, type KeyOwners, SUPERUSERS } from "./key-owners.js";

/** An API key as the API shows it: never its secret or the secret's hash. */
export interface ApiKey {
	id: string;
	name: string;
	scopes: string[];
	owner: { collection: string; id: string };
	expiresAt: string | null;
	lastUsedAt: string | null;
	created: string;
}

/** A key just made: the one answer that holds the key itself. */
export interface NewApiKey extends ApiKey {
	key: string;
}

/** GET /api/v1/api-keys: a page, optionally of one owner's keys. */
export interface ApiKeyFilter {
	page: number;
	perPage: number;
	ownerCollection?: string | undefined;
	ownerId?: string | undefined;
}

/** A page of API keys, and how many match in all. */
export interface ApiKeyPage {
	items: ApiKey[];
	totalItems: number;
}

/** API keys: made, listed and revoked by their owners, and checked on each request. */
export interface ApiKeysService {
	/** Makes a key and returns it with its secret, which is never shown again. */
	create(input: ApiKeyInput, caller: Caller): Promise<NewApiKey>;
	/** A page of keys: a user's own, or (superusers) anyone's, by owner if asked. */
	list(filter: ApiKeyFilter, caller: Caller): Promise<ApiKeyPage>;
	/** One key the caller may see; API_KEY_NOT_FOUND otherwise. */
	get(id: string, caller: Caller): Promise<ApiKey>;
	/** Revokes (deletes) a key: the next request with it is a 401. */
	revoke(id: string, caller: Caller): Promise<void>;
	/** Turns a presented key into its owner as a caller, narrowed by its scopes. */
	authenticate(presented: string): Promise<Caller>;
	/** The caller a key acts as now, by its id (work it started, running on). */
	currentCaller(keyId: string): Promise<Caller>;
	/** Deletes keys that expired before `cutoff` (the hourly purge); returns how many. */
	purgeExpired(cutoff: Date): Promise<number>;
}

/** What the API keys service is built from. */
export interface ApiKeysDeps {
	db: Database;
	owners: KeyOwners;
	newId: IdGenerator;
	clock: Clock;
	logger: Logger;
}

/** Keys one account may hold: enough for any app, a bound on what a user can pile up. */
const MAX_KEYS_PER_OWNER = 100;

/**
 * API keys (docs/auth.md#api-keys): long-lived bearer credentials that act as their
 * owner, narrowed by scopes. Signed-in accounts manage them: a user for themselves, a
 * superuser for anyone. Keys cannot manage keys (SESSION_REQUIRED), so a leaked key
 * cannot mint others or hide its tracks.
 */
export function createApiKeysService(deps: ApiKeysDeps): ApiKeysService {
	const { db, owners } = deps;
	const { dialect } = db;
	const authenticator = createApiKeyAuthenticator(deps);

	function present(row: Record<string, unknown>): ApiKey {
		const ts = (v: unknown) =>
			(dialect.decode("timestamp", v) as string) ?? null;
		return {
			id: row.id as string,
			name: row.name as string,
			scopes: dialect.decode("json", row.scopes) as string[],
			owner: {
				collection: owners.collectionName(row.owner_collection as string),
				id: row.owner_id as string,
			},
			expiresAt: ts(row.expires_at),
			lastUsedAt: ts(row.last_used_at),
			created: ts(row.created) as string,
		};
	}

	function resolveOwner(
		caller: SuperuserCaller | RecordCaller,
		requested: ApiKeyInput["owner"],
	): KeyOwner {
		const self = ownerOf(caller);
		if (requested === undefined) return self;
		const collectionId = owners.collectionIdOf(requested.collection);
		if (collectionId === self.collectionId && requested.id === self.id)
			return self;
		if (caller.kind !== "superuser")
			throw new AppError("SUPERUSER_REQUIRED", {
				detail: "Only superusers may make API keys for other accounts.",
			});
		if (collectionId === undefined || collectionId === SUPERUSERS)
			throw ownerError("owner.collection", {
				code: "NOT_AUTH_COLLECTION",
				message:
					"must be an auth collection (leave owner out for a key of your own)",
			});
		return { collectionId, id: requested.id };
	}

	async function countOf(owner: KeyOwner): Promise<number> {
		const row = await db.kysely
			.selectFrom("_api_keys")
			.select((eb) => eb.fn.countAll().as("n"))
			.where("owner_collection", "=", owner.collectionId)
			.where("owner_id", "=", owner.id)
			.executeTakeFirst();
		return Number(row?.n ?? 0);
	}

	async function findVisible(id: string, caller: Caller) {
		const manager = requireManager(caller);
		let query = db.kysely
			.selectFrom("_api_keys")
			.selectAll()
			.where("id", "=", id);
		if (manager.kind === "record") {
			query = query
				.where("owner_collection", "=", manager.collectionId)
				.where("owner_id", "=", manager.id);
		}
		const row = await query.executeTakeFirst();
		if (!row)
			throw new AppError("API_KEY_NOT_FOUND", {
				detail: `No API key "${id.slice(0, 64)}".`,
			});
		return row;
	}

	return {
		async create(input: ApiKeyInput, caller: Caller): Promise<NewApiKey> {
			const manager = requireManager(caller);
			const owner = resolveOwner(manager, input.owner);
			const now = deps.clock();
			const checked = checkApiKeyInput(
				input,
				owner.collectionId === SUPERUSERS,
				now,
			);
			const tkh = await owners.fingerprintOf(owner);
			if (tkh === undefined)
				throw ownerError("owner.id", {
					code: "NOT_FOUND",
					message: "no account with this id in the collection",
				});
			if ((await countOf(owner)) >= MAX_KEYS_PER_OWNER)
				throw new AppError("API_KEY_LIMIT_REACHED", {
					detail: `An account may hold ${MAX_KEYS_PER_OWNER} API keys.`,
				});
			const id = deps.newId();
			const secret = newApiKeySecret();
			const row = {
				id,
				name: checked.name,
				secret_hash: sha256Hex(secret),
				scopes: dialect.encode("json", checked.scopes),
				owner_collection: owner.collectionId,
				owner_id: owner.id,
				tkh,
				expires_at: checked.expiresAt,
				last_used_at: null,
				created: now.toISOString(),
			};
			const inserted = await db.kysely
				.insertInto("_api_keys")
				.values(row)
				.returningAll()
				.executeTakeFirstOrThrow();
			return { ...present(inserted), key: formatApiKey({ id, secret }) };
		},

		async list(filter: ApiKeyFilter, caller: Caller): Promise<ApiKeyPage> {
			const manager = requireManager(caller);
			let collectionId: string | undefined;
			if (filter.ownerCollection !== undefined) {
				collectionId = owners.collectionIdOf(filter.ownerCollection);
				if (collectionId === undefined)
					throw new AppError("INVALID_QUERY", {
						detail: `ownerCollection: "${filter.ownerCollection.slice(0, 64)}" is neither _superusers nor an auth collection.`,
					});
			}
			let query = db.kysely.selectFrom("_api_keys");
			if (manager.kind === "record") {
				query = query
					.where("owner_collection", "=", manager.collectionId)
					.where("owner_id", "=", manager.id);
			}
			if (collectionId !== undefined)
				query = query.where("owner_collection", "=", collectionId);
			if (filter.ownerId !== undefined)
				query = query.where("owner_id", "=", filter.ownerId);
			const { rows, totalItems } = await selectPage(
				query,
				[["id", "asc"]],
				filter,
			);
			return { items: rows.map(present), totalItems };
		},

		async get(id: string, caller: Caller): Promise<ApiKey> {
			return present(await findVisible(id, caller));
		},

		async revoke(id: string, caller: Caller): Promise<void> {
			const row = await findVisible(id, caller);
			await db.kysely
				.deleteFrom("_api_keys")
				.where("id", "=", row.id as string)
				.execute();
		},

		authenticate: authenticator.authenticate,

		currentCaller: authenticator.currentCaller,

		async purgeExpired(cutoff: Date): Promise<number> {
			const result = await db.kysely
				.deleteFrom("_api_keys")
				.where("expires_at", "<", cutoff.toISOString())
				.executeTakeFirst();
			return Number(result.numDeletedRows);
		},
	};
}

/**
 * Only signed-in accounts (sessions) manage keys: 401 for guests, 403 SESSION_REQUIRED
 * for API keys and client tokens.
 */
function requireManager(caller: Caller): SuperuserCaller | RecordCaller {
	if (caller.kind === "guest")
		throw new AppError("AUTH_REQUIRED", {
			detail: "Sign in to manage API keys.",
		});
	if (caller.kind === "client" || grantOf(caller) !== undefined)
		throw new AppError("SESSION_REQUIRED", {
			detail:
				"API keys are managed by signed-in accounts, not with API keys or client tokens.",
		});
	return caller;
}

function ownerOf(caller: SuperuserCaller | RecordCaller): KeyOwner {
	return caller.kind === "superuser"
		? { collectionId: SUPERUSERS, id: caller.id }
		: { collectionId: caller.collectionId, id: caller.id };
}

function ownerError(at: string, error: { code: string; message: string }) {
	return new AppError("VALIDATION_FAILED", {
		detail: `${at}: ${error.message}.`,
		errors: { [at]: error },
	});
}
