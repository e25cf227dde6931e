import { sql } from "kysely";
import type { IdGenerator } from "../../tools/ids/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Executor, SqlDialect } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { RequestInfo } from "../query/index.js";
import type { PasswordCheck } from "./auth-write.js";
import { translateWriteError } from "./constraint-errors.js";
import type { RecordContext } from "./read-context.js";
import type { RecordChangeSink } from "./record-changes.js";
import type { RecordData } from "./record-codec.js";
import { createRecord, updateRecord } from "./write-records.js";

/** Record writes inside one open transaction, each under its collection's rules. */
export interface RecordWriter {
	/** The transaction, for bookkeeping that must commit with the writes (import checkpoints). */
	readonly trx: Executor;
	/** `account.verified` is for accounts the server signs up itself (OAuth2). */
	create(
		collection: string,
		body: Record<string, unknown>,
		account?: { verified: boolean },
	): Promise<RecordData>;
	update(
		collection: string,
		id: string,
		body: Record<string, unknown>,
	): Promise<RecordData>;
	/** Finds the id of the record whose `field` equals `value` (for upserts by a unique field). */
	findIdBy(
		collection: string,
		field: string,
		value: unknown,
	): Promise<string | undefined>;
	/**
	 * Runs one write so that its failure undoes only that write (a savepoint): the
	 * transaction goes on, which PostgreSQL would otherwise refuse after an error.
	 */
	attempt<T>(
		collection: string,
		work: () => Promise<T>,
	): Promise<{ ok: true; value: T } | { ok: false; error: AppError }>;
}

/** What createRecordWriter needs from the records service. */
export interface RecordWriterDeps {
	trx: Executor;
	caller: RequestInfo["caller"];
	registry: CollectionRegistry;
	dialect: SqlDialect;
	newId: IdGenerator;
	now: string;
	context(trx: Executor, request: RequestInfo, now: string): RecordContext;
	changes: readonly RecordChangeSink[];
	checkPassword: PasswordCheck;
}

/** Creates the writer for one transaction. */
export function createRecordWriter(deps: RecordWriterDeps): RecordWriter {
	const { trx, caller, registry, now } = deps;
	/**
	 * Where a transaction goes on after a failed statement (SQLite undoes the failed
	 * statement by itself), a write that is one statement (no rule checked after it,
	 * no listener writing with it) needs no savepoint. That saves two statements per
	 * imported row.
	 */
	function needsSavepoint(collectionName: string): boolean {
		if (!deps.dialect.keepsTransactionAfterError) return true;
		const collection = registry.get(collectionName);
		const ruleFree =
			caller.kind === "superuser" ||
			(collection.rules.create === "" && collection.rules.update === "");
		return (
			!ruleFree || deps.changes.some((sink) => sink.wants(collection.name))
		);
	}

	/** A failed write as the client would hear it; anything else (a bug, an outage) is rethrown. */
	function refusal(
		collectionName: string,
		err: unknown,
	): { ok: false; error: AppError } {
		const translated = translateWriteError(
			err,
			registry.get(collectionName),
			deps.dialect,
		);
		if (translated instanceof AppError) return { ok: false, error: translated };
		throw err;
	}

	return {
		trx,
		create(name, body, account) {
			const ctx = deps.context(trx, { caller, method: "POST", body }, now);
			return createRecord(registry.get(name), body, ctx, {
				newId: deps.newId,
				checkPassword: deps.checkPassword,
				now,
				verified: account?.verified,
			});
		},
		update(name, id, body) {
			const ctx = deps.context(trx, { caller, method: "PATCH", body }, now);
			return updateRecord(registry.get(name), id, body, "update", ctx, {
				newId: deps.newId,
				checkPassword: deps.checkPassword,
				now,
			});
		},
		async findIdBy(name, field, value) {
			const collection = registry.get(name);
			const row = await sql<{
				id: string;
			}>`SELECT id FROM ${sql.table(collection.name)} WHERE ${sql.ref(field)} = ${value} LIMIT 1`.execute(
				trx,
			);
			return row.rows[0]?.id;
		},
		async attempt(collectionName, work) {
			if (!needsSavepoint(collectionName)) {
				try {
					return { ok: true, value: await work() };
				} catch (err: unknown) {
					return refusal(collectionName, err);
				}
			}
			// One fixed name: each savepoint is released before the next one starts, and a
			// fixed text keeps the three statements prepared (a counter in the name made
			// every row prepare them anew and filled the statement cache: bench/jobs/jobs.mjs).
			const name = sql.id("basalt_row");
			await sql`SAVEPOINT ${name}`.execute(trx);
			try {
				const value = await work();
				await sql`RELEASE SAVEPOINT ${name}`.execute(trx);
				return { ok: true, value };
			} catch (err: unknown) {
				await sql`ROLLBACK TO SAVEPOINT ${name}`.execute(trx);
				await sql`RELEASE SAVEPOINT ${name}`.execute(trx);
				return refusal(collectionName, err);
			}
		},
	};
}
