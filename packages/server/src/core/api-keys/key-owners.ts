import { type AccountsService, authCollectionById } from "../accounts/index.js";
import { type SuperusersService, tokenKeyFingerprint } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import type { RecordCaller, SuperuserCaller } from "../model/index.js";

/** The `owner.collection` of keys that belong to superusers. */
export const SUPERUSERS = "_superusers";

/** Whom an API key belongs to: a superuser, or a record of an auth collection. */
export interface KeyOwner {
	/** `_superusers`, or the auth collection's id (ids survive renames; names do not). */
	collectionId: string;
	id: string;
}

/** What the owner lookups are built from. */
export interface KeyOwnersDeps {
	db: Database;
	registry: CollectionRegistry;
	superusers: Pick<SuperusersService, "callerFor">;
	accounts: Pick<AccountsService, "callerFor">;
}

/** The accounts API keys act as: their fingerprints, callers and collections. */
export interface KeyOwners {
	/** The owner's current token-key fingerprint; undefined when there is no such account. */
	fingerprintOf(owner: KeyOwner): Promise<string | undefined>;
	/** The owner as a caller now; INVALID_TOKEN when it is gone or its key changed. */
	callerFor(
		owner: KeyOwner,
		tkh: string,
	): Promise<SuperuserCaller | RecordCaller>;
	/** The name to show for an owner's collection (its id once the collection is gone). */
	collectionName(collectionId: string): string;
	/** The owner collection id of a name: `_superusers` or an auth collection's id. */
	collectionIdOf(name: string): string | undefined;
}

/**
 * The accounts API keys act as. A key remembers its owner's token-key fingerprint, so
 * whatever ends the owner's sessions (a new password, deleting the account) ends the
 * owner's keys too: a key never outlives the account's own say.
 */
export function createKeyOwners(deps: KeyOwnersDeps): KeyOwners {
	return {
		async fingerprintOf(owner: KeyOwner): Promise<string | undefined> {
			const table =
				owner.collectionId === SUPERUSERS
					? SUPERUSERS
					: authCollectionById(deps.registry, owner.collectionId)?.name;
			if (table === undefined) return undefined;
			const row = await deps.db.kysely
				.selectFrom(table)
				.select("token_key")
				.where("id", "=", owner.id)
				.executeTakeFirst();
			return row ? tokenKeyFingerprint(row.token_key as string) : undefined;
		},

		callerFor(
			owner: KeyOwner,
			tkh: string,
		): Promise<SuperuserCaller | RecordCaller> {
			return owner.collectionId === SUPERUSERS
				? deps.superusers.callerFor(owner.id, tkh)
				: deps.accounts.callerFor(owner.collectionId, owner.id, tkh);
		},

		collectionName(collectionId: string): string {
			if (collectionId === SUPERUSERS) return SUPERUSERS;
			return deps.registry.findById(collectionId)?.name ?? collectionId;
		},

		collectionIdOf(name: string): string | undefined {
			if (name === SUPERUSERS) return SUPERUSERS;
			const collection = deps.registry.find(name);
			return collection?.type === "auth" ? collection.id : undefined;
		},
	};
}
