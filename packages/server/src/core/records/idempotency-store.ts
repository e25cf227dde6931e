import type { Executor, SqlDialect } from "../db/index.js";

/** An answer kept for replay: what the first request with a key got. */
export interface StoredResponse {
	status: number;
	headers: Record<string, string>;
	body: string;
}

/** A stored answer with the hash of the request that produced it. */
export interface IdempotentEntry {
	requestHash: string;
	response: StoredResponse;
}

/** An answer to keep under its key, until it expires. */
export interface NewIdempotentEntry extends IdempotentEntry {
	scope: string;
	key: string;
	now: string;
	expires: string;
}

/** The kept answers of creates sent with an Idempotency-Key. */
export interface IdempotencyStore {
	/** Finds the live entry for a key; expired entries count as absent. */
	find(
		db: Executor,
		scope: string,
		key: string,
		now: string,
	): Promise<IdempotentEntry | undefined>;
	/** Stores an answer; fails with a unique violation if the key is taken. */
	save(db: Executor, entry: NewIdempotentEntry): Promise<void>;
}

/**
 * Reads and writes `_idempotency_keys`. A key is scoped to the caller and the endpoint,
 * so two clients cannot collide or read each other's answers.
 */
export function createIdempotencyStore(dialect: SqlDialect): IdempotencyStore {
	return {
		async find(
			db: Executor,
			scope: string,
			key: string,
			now: string,
		): Promise<IdempotentEntry | undefined> {
			const row = await db
				.selectFrom("_idempotency_keys")
				.selectAll()
				.where("scope", "=", scope)
				.where("key", "=", key)
				.where("expires", ">", now)
				.executeTakeFirst();
			if (!row) return undefined;
			return {
				requestHash: row.request_hash as string,
				response: {
					status: Number(row.status),
					headers: dialect.decode("json", row.headers) as Record<
						string,
						string
					>,
					body: row.body as string,
				},
			};
		},
		async save(
			db: Executor,
			entry: {
				scope: string;
				key: string;
				now: string;
				expires: string;
			} & IdempotentEntry,
		) {
			// An expired entry with the same key would block the insert.
			await db
				.deleteFrom("_idempotency_keys")
				.where("scope", "=", entry.scope)
				.where("key", "=", entry.key)
				.where("expires", "<=", entry.now)
				.execute();
			await db
				.insertInto("_idempotency_keys")
				.values({
					scope: entry.scope,
					key: entry.key,
					request_hash: entry.requestHash,
					status: entry.response.status,
					headers: dialect.encode("json", entry.response.headers),
					body: entry.response.body,
					created: entry.now,
					expires: entry.expires,
				})
				.execute();
		},
	};
}
