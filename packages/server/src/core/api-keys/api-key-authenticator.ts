import { matchesSecretDigest, sha256Hex } from "../../tools/crypto/index.js";
import { coerceError } from "../../tools/errors/index.js";
import type { Logger } from "../../tools/logger/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Caller, RecordCaller, SuperuserCaller } from "../model/index.js";
import { parseApiKey } from "./api-key-token.js";
import type { KeyOwners } from "./key-owners.js";

/** `lastUsedAt` is written at most this often per key: a read per request, not a write. */
const TOUCH_INTERVAL_MS = 60_000;
// Unknown key ids are checked against this, so they cost the same hash as wrong secrets.
const DECOY_DIGEST = sha256Hex("basalt:no-such-api-key");

/**
 * Creates the check of `Authorization: Bearer bsk_…`: it turns a presented key into
 * its owner as a caller, narrowed by the key's scopes. An unknown id and a wrong
 * secret get the same 401 for the same work (one primary-key read, one hash); what
 * else is wrong (expired, owner gone) is said only to whoever holds the secret.
 */
export function createApiKeyAuthenticator(deps: {
	db: Database;
	owners: KeyOwners;
	clock: Clock;
	logger: Logger;
}) {
	const { db, owners } = deps;
	const { dialect } = db;

	/** Writes `lastUsedAt` unless it was written within the last minute (by any node). */
	async function touch(row: Record<string, unknown>, now: Date): Promise<void> {
		const last = dialect.decode("timestamp", row.last_used_at) as string | null;
		const stale = new Date(now.getTime() - TOUCH_INTERVAL_MS).toISOString();
		if (last !== null && last > stale) return;
		try {
			await db.kysely
				.updateTable("_api_keys")
				.set({ last_used_at: now.toISOString() })
				.where("id", "=", row.id as string)
				.where((eb) =>
					eb.or([
						eb("last_used_at", "is", null),
						eb("last_used_at", "<=", stale),
					]),
				)
				.execute();
		} catch (err: unknown) {
			// Bookkeeping must never fail the request it rides on.
			deps.logger.warn(
				{ err: coerceError(err) },
				"api key: lastUsedAt not saved",
			);
		}
	}

	// The read connection: a key check never waits behind a long write (an import).
	async function keyRow(id: string) {
		const [row] = await db.read<Record<string, unknown>>(
			db.kysely
				.selectFrom("_api_keys")
				.selectAll()
				.where("id", "=", id)
				.compile(),
		);
		return row;
	}

	/** The caller a stored key acts as now: its owner, narrowed by its scopes. */
	async function callerOfRow(
		row: Record<string, unknown>,
		now: Date,
	): Promise<Caller> {
		const expires = dialect.decode("timestamp", row.expires_at) as
			| string
			| null;
		if (expires !== null && Date.parse(expires) <= now.getTime())
			throw invalidKey("The API key has expired.");
		const owner = {
			collectionId: row.owner_collection as string,
			id: row.owner_id as string,
		};
		let caller: SuperuserCaller | RecordCaller;
		try {
			caller = await owners.callerFor(owner, row.tkh as string);
		} catch (err: unknown) {
			if (!(err instanceof AppError) || err.code !== "INVALID_TOKEN") throw err;
			throw invalidKey(
				"The API key's owner no longer exists or changed their password.",
				err,
			);
		}
		const scopes = dialect.decode("json", row.scopes) as string[];
		return {
			...caller,
			grant: { kind: "apiKey", id: row.id as string, scopes },
		};
	}

	return {
		/** Turns a presented key into its owner as a caller, narrowed by its scopes. */
		async authenticate(presented: string): Promise<Caller> {
			const parts = parseApiKey(presented);
			if (!parts) throw invalidKey("The API key is malformed.");
			const row = await keyRow(parts.id);
			const digest = (row?.secret_hash as string | undefined) ?? DECOY_DIGEST;
			if (!matchesSecretDigest(parts.secret, digest) || !row)
				throw invalidKey("The API key is invalid or revoked.");
			const now = deps.clock();
			const caller = await callerOfRow(row, now);
			await touch(row, now);
			return caller;
		},

		/**
		 * The caller a key acts as now, by its id, for work it started that runs on
		 * (a job): INVALID_TOKEN when the key was revoked or expired, or its owner is
		 * gone or changed their password since.
		 */
		async currentCaller(keyId: string): Promise<Caller> {
			const row = await keyRow(keyId);
			if (!row) throw invalidKey("The API key was revoked.");
			return callerOfRow(row, deps.clock());
		},
	};
}

function invalidKey(detail: string, cause?: unknown): AppError {
	return new AppError("INVALID_TOKEN", { detail, cause });
}
