import { createBoundedLru } from "../../tools/memo/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { RecordCaller } from "../model/index.js";
import type { RecordChangeSink } from "../records/index.js";

/** A signed-in account as the cache keeps it. */
export interface CachedAccount {
	/** The caller every request of this account acts as (frozen: requests share it). */
	caller: RecordCaller;
	/** The fingerprint of the account's token key when it was read. */
	tkh: string;
}

/** What the account cache is built from. */
export interface AccountCacheOptions {
	/** How long an entry is trusted, in ms; 0 turns the cache off. */
	ttlMs: number;
	/** Entries kept: one per account signed in recently. */
	max?: number;
	/** The collections, whose generation is part of every key. */
	registry: Pick<CollectionRegistry, "generation" | "find">;
	/** Hears each lookup (the metrics): whether it hit, for which collection id. */
	countLookup?: (hit: boolean, collectionId: string) => void;
	/**
	 * Hears each account this node forgets because it changed here, so other nodes
	 * forget it too (the event bus: docs/scale-out.md#the-event-bus).
	 */
	announce?: (collectionId: string, id: string) => void;
}

/** Signed-in accounts of recent requests, forgotten when their rows change. */
export interface AccountCache {
	/** The cached account, if one is fresh. */
	get(collectionId: string, id: string): CachedAccount | undefined;
	/**
	 * Keeps an account read from the database. `generationAtRead` is the registry
	 * generation when the read began: a schema change during it is not cached.
	 */
	keep(account: CachedAccount, generationAtRead: number): void;
	/** Forgets an account whose row this node changed (or is changing), and announces it. */
	forget(collectionId: string, id: string): void;
	/** Forgets an account another node changed (heard on the bus): not announced again. */
	forgetHeard(collectionId: string, id: string): void;
	/** Forgets every account: after the bus was away, changes may have been missed. */
	clear(): void;
	/** Hears every record write, and forgets the accounts among them. */
	changeSink(): RecordChangeSink;
}

/**
 * How long after an account changes its entry may not be refilled, in ms. A change
 * is heard inside its transaction, before it commits: a read in between still sees
 * the old row and must not put it back. Transactions that write an account (a record
 * write, a confirm step) finish well within this.
 */
const SETTLE_MS = 10_000;

/**
 * The signed-in accounts of recent requests, so a request with a token does not read
 * its account row again (bench:auth: a second SQLite read per view, and a network
 * round trip on PostgreSQL). What ends a session must still end it at once, so:
 *
 * - every write of an auth record through the records service (updates, deletes,
 *   batch, imports, the account mail flows) forgets the account, through
 *   `changeSink`, and so does every direct write of an account row (`forget`);
 * - a forgotten account is not cached again for SETTLE_MS, so a read racing the
 *   write's commit cannot bring the old row back;
 * - keys carry the registry generation: a schema change (a new field, a renamed or
 *   deleted collection) makes every entry unreachable;
 * - every forget is announced to the other nodes on the event bus, which forget the
 *   account too (and do not refill it for SETTLE_MS either, so the announcement may
 *   come before the write commits);
 * - entries live `ttlMs` at most, which bounds what this node cannot hear: writes by
 *   another process, or changes announced while the bus was away.
 *
 * The token-key fingerprint is compared on every request by the caller, so a token
 * issued under an older key fails even while its account is cached.
 */
export function createAccountCache(options: AccountCacheOptions): AccountCache {
	const enabled = options.ttlMs > 0;
	const entries = createBoundedLru<string, CachedAccount>({
		maxEntries: options.max ?? 10_000,
		ttl: Math.max(options.ttlMs, 1),
		ttlAutopurge: false,
	});
	const settling = createBoundedLru<string, true>({
		maxEntries: 100_000,
		ttl: SETTLE_MS,
		ttlAutopurge: false,
	});
	const idKey = (collectionId: string, id: string) =>
		`${collectionId}\u0000${id}`;
	const keyOf = (collectionId: string, id: string) =>
		`${options.registry.generation}\u0000${idKey(collectionId, id)}`;

	function forgetHeard(collectionId: string, id: string): void {
		settling.set(idKey(collectionId, id), true);
		entries.delete(keyOf(collectionId, id));
	}

	function forget(collectionId: string, id: string): void {
		forgetHeard(collectionId, id);
		options.announce?.(collectionId, id);
	}

	return {
		get(collectionId: string, id: string): CachedAccount | undefined {
			if (!enabled) return undefined;
			const account = entries.get(keyOf(collectionId, id));
			options.countLookup?.(account !== undefined, collectionId);
			return account;
		},

		keep(account: CachedAccount, generationAtRead: number): void {
			const { collectionId, id } = account.caller;
			if (
				!enabled ||
				generationAtRead !== options.registry.generation ||
				settling.has(idKey(collectionId, id))
			)
				return;
			entries.set(keyOf(collectionId, id), account);
		},

		forget,
		forgetHeard,
		clear: () => entries.clear(),

		changeSink(): RecordChangeSink {
			return {
				wants: (collection) =>
					enabled && options.registry.find(collection)?.type === "auth",
				record: async (change) => {
					// A new account has no older row to forget.
					if (change.action === "create") return;
					const collection = options.registry.find(change.collection);
					if (collection) forget(collection.id, change.record.id as string);
				},
			};
		},
	};
}
