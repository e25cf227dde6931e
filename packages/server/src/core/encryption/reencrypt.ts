import { sql } from "kysely";
import type { Database } from "../db/index.js";
import type { Collection, Field } from "../model/index.js";
import { type DataKeyRing, UnreadableValueError } from "./data-key-ring.js";
import { sealedColumns } from "./sealed-columns.js";

/** Where a re-encryption is, as the job reports it (GET /api/v1/jobs/{id}). */
export interface ReencryptProgress {
	/** The data key everything is being moved to. */
	keyId: string;
	/** Secrets (signing keys, webhook and OAuth2 client secrets) re-sealed. */
	secrets: number;
	/** Records looked at, of `total`, in collections with encrypted fields. */
	records: number;
	total: number;
	/** Values re-encrypted so far. */
	values: number;
	/**
	 * Values that did not open (altered, or copied from another record or field):
	 * left as they are, and still under their old key, so that key cannot be retired.
	 */
	unreadable: number;
}

type EncryptedField = Extract<Field, { type: "encrypted" }>;

/** How many rows one statement reads; each changed row is one UPDATE. */
const BATCH = 500;

/**
 * Moves every sealed secret and every encrypted field value to the active data key
 * (docs/security.md#key-rotation). Rows are read in id order, in batches, and each
 * changed row is written back only if it still holds what was read: a write that
 * came in between (already under the active key) is never overwritten. Values
 * already under the active key are skipped, so a run killed half-way and started
 * again only does what is left; nothing is ever unreadable on the way, since every
 * key stays in the ring until it is retired.
 */
export async function reencryptAll(deps: {
	db: Database;
	keys: DataKeyRing;
	collections: readonly Collection[];
	signal?: AbortSignal;
	onProgress?: (progress: ReencryptProgress) => Promise<void>;
}): Promise<ReencryptProgress> {
	const { db, keys } = deps;
	const targets = deps.collections.flatMap((collection) => {
		const fields = collection.fields.filter(
			(f): f is EncryptedField => f.type === "encrypted",
		);
		return fields.length > 0 ? [{ collection, fields }] : [];
	});
	const progress: ReencryptProgress = {
		keyId: keys.activeKeyId,
		secrets: await resealSecrets(db, keys),
		records: 0,
		total: 0,
		values: 0,
		unreadable: 0,
	};
	for (const { collection } of targets) {
		const row = await db.kysely
			.selectFrom(collection.name)
			.select(sql<number>`count(*)`.as("n"))
			.executeTakeFirstOrThrow();
		progress.total += Number(row.n);
	}
	await deps.onProgress?.({ ...progress });
	for (const { collection, fields } of targets) {
		let after = "";
		for (;;) {
			deps.signal?.throwIfAborted();
			const rows = await db.kysely
				.selectFrom(collection.name)
				.select(["id", ...fields.map((f) => f.name)])
				.where("id", ">", after)
				.orderBy("id")
				.limit(BATCH)
				.execute();
			if (rows.length === 0) break;
			for (const row of rows)
				await reencryptRow(db, keys, collection, fields, row, progress);
			progress.records += rows.length;
			after = rows[rows.length - 1]?.id as string;
			await deps.onProgress?.({ ...progress });
		}
	}
	return progress;
}

/** Re-encrypts the values of one row that are not under the active key, counting them. */
async function reencryptRow(
	db: Database,
	keys: DataKeyRing,
	collection: Collection,
	fields: readonly EncryptedField[],
	row: Record<string, unknown>,
	progress: ReencryptProgress,
): Promise<void> {
	const id = row.id as string;
	const changes: Record<string, string> = {};
	for (const field of fields) {
		const stored = row[field.name];
		if (typeof stored !== "string" || keys.isCurrent(stored)) continue;
		const binding = {
			collectionId: collection.id,
			fieldId: field.id,
			recordId: id,
		};
		let plaintext: string;
		try {
			plaintext = keys.decryptField(stored, binding);
		} catch (err: unknown) {
			if (!(err instanceof UnreadableValueError)) throw err;
			progress.unreadable += 1;
			continue;
		}
		changes[field.name] = keys.encryptField(
			plaintext,
			binding,
			field.searchable,
		);
	}
	const names = Object.keys(changes);
	if (names.length === 0) return;
	let update = db.kysely
		.updateTable(collection.name)
		.set(changes)
		.where("id", "=", id);
	for (const name of names)
		update = update.where(name, "=", row[name] as string);
	const result = await update.executeTakeFirst();
	if (Number(result.numUpdatedRows) > 0) progress.values += names.length;
}

/** Re-seals every kept secret that is not under the active key; returns how many. */
async function resealSecrets(db: Database, keys: DataKeyRing): Promise<number> {
	let count = 0;
	for (const spec of sealedColumns) {
		const rows = await db.kysely
			.selectFrom(spec.table)
			.select([spec.key, spec.column])
			.where(spec.column, "is not", null)
			.execute();
		for (const row of rows) {
			const stored = row[spec.column] as string;
			if (keys.isCurrent(stored)) continue;
			const context = spec.context(row[spec.key] as string);
			const result = await db.kysely
				.updateTable(spec.table)
				.set({ [spec.column]: keys.seal(keys.open(stored, context), context) })
				.where(spec.key, "=", row[spec.key] as string)
				.where(spec.column, "=", stored)
				.executeTakeFirst();
			count += Number(result.numUpdatedRows);
		}
	}
	return count;
}

/**
 * Counts the stored values still sealed with a data key: secrets and field values.
 * A key can be retired once this is zero.
 */
export async function countValuesUnder(
	db: Database,
	keyId: string,
	collections: readonly Collection[],
): Promise<number> {
	let count = 0;
	const counted = async (table: string, column: string, patterns: string[]) => {
		const row = await db.kysely
			.selectFrom(table)
			.select(sql<number>`count(*)`.as("n"))
			.where((eb) => eb.or(patterns.map((p) => eb(column, "like", p))))
			.executeTakeFirstOrThrow();
		return Number(row.n);
	};
	for (const spec of sealedColumns)
		count += await counted(spec.table, spec.column, [`key.${keyId}.%`]);
	for (const collection of collections)
		for (const field of collection.fields)
			if (field.type === "encrypted")
				count += await counted(collection.name, field.name, [
					`enc.${keyId}.%`,
					`bix.%.enc.${keyId}.%`,
				]);
	return count;
}
