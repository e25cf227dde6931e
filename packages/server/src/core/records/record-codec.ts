import { columnShape } from "../collections/index.js";
import type { SqlDialect, StorageKind } from "../db/index.js";
import { type FieldCipher, UnreadableValueError } from "../encryption/index.js";
import { AppError } from "../errors/index.js";
import type { Collection, Field } from "../model/index.js";
import { isMultiValue } from "../model/index.js";

/** A record as the API returns it: system fields first, then the collection's fields. */
export type RecordData = Record<string, unknown> & {
	id: string;
	created: string;
	updated: string;
};

/** Converts rows of one collection between the database and the API. */
export interface RecordCodec {
	/**
	 * A raw row to a record, with every field present (lists default to []).
	 * `unreadableAsNull`: an encrypted value that does not open reads as null instead
	 * of failing, so a write can replace it (the record a write starts from).
	 */
	decode(
		row: Record<string, unknown>,
		options?: {
			unreadableAsNull?: boolean;
			/**
			 * Values the caller just wrote, by field name: an encrypted field found
			 * here is taken as it is instead of decrypted (a write's RETURNING row).
			 */
			written?: Record<string, unknown>;
		},
	): RecordData;
	/**
	 * API values to column values for the given fields; `recordId` binds the values of
	 * encrypted fields to their record.
	 */
	encode(
		values: Record<string, unknown>,
		recordId: string,
	): Record<string, unknown>;
}

/**
 * Creates the codec for a collection version. Built once per version (the records
 * service caches it), so the per-row work is a loop over a prepared field list.
 */
export function createRecordCodec(
	collection: Collection,
	dialect: SqlDialect,
	cipher: FieldCipher,
): RecordCodec {
	const columns = collection.fields.map((field) => ({
		field,
		kind: columnShape(field).kind,
		multi: isMultiValue(field),
		encrypted: field.type === "encrypted",
	}));
	const encrypted = new Map(
		collection.fields.flatMap((field) =>
			field.type === "encrypted" ? [[field.name, field] as const] : [],
		),
	);
	const bindingOf = (field: Field, recordId: string) => ({
		collectionId: collection.id,
		fieldId: field.id,
		recordId,
	});
	/**
	 * Decrypts a stored value. One that does not open (altered, copied from another
	 * row or field, its key removed) is an incident, not bad input: a 500 naming the
	 * record and field, never the value; or null for the record a write starts from.
	 */
	const decrypt = (
		value: string,
		field: Field,
		recordId: string,
		unreadableAsNull: boolean | undefined,
	) => {
		try {
			return cipher.decryptField(value, bindingOf(field, recordId));
		} catch (err: unknown) {
			if (!(err instanceof UnreadableValueError)) throw err;
			if (unreadableAsNull) return null;
			throw new AppError("ENCRYPTED_VALUE_UNREADABLE", {
				detail: `The stored value of field "${field.name}" in record ${recordId} does not open with the key ring.`,
				cause: err,
			});
		}
	};
	const kindOf = new Map<string, StorageKind>(
		columns.map((c) => [c.field.name, c.kind]),
	);
	kindOf.set("verified", "boolean");
	const auth = collection.type === "auth";
	return {
		decode(row, options) {
			const record: Record<string, unknown> = {
				id: row.id,
				created: dialect.decode("timestamp", row.created),
				updated: dialect.decode("timestamp", row.updated),
			};
			// An account's password hash and token key never leave the server.
			if (auth) {
				if ("email" in row) record.email = row.email;
				if ("verified" in row)
					record.verified = dialect.decode("boolean", row.verified);
			}
			for (const { field, kind, multi, encrypted } of columns) {
				if (!(field.name in row)) continue;
				const value = dialect.decode(kind, row[field.name]);
				if (multi && value === null) record[field.name] = [];
				else if (!encrypted || typeof value !== "string")
					record[field.name] = value;
				else if (options?.written && field.name in options.written)
					record[field.name] = options.written[field.name];
				else
					record[field.name] = decrypt(
						value,
						field,
						row.id as string,
						options?.unreadableAsNull,
					);
			}
			return record as RecordData;
		},
		encode(values, recordId) {
			const out: Record<string, unknown> = {};
			for (const [name, value] of Object.entries(values)) {
				const field = encrypted.get(name);
				if (field) {
					out[name] =
						typeof value === "string"
							? cipher.encryptField(
									value,
									bindingOf(field, recordId),
									field.searchable,
								)
							: null;
					continue;
				}
				const kind =
					kindOf.get(name) ??
					(name === "created" || name === "updated" ? "timestamp" : "text");
				out[name] = dialect.encode(kind, value);
			}
			return out;
		},
	};
}

/** The fields of a collection that hold relations, with their targets. */
export function relationFields(
	collection: Collection,
): Extract<Field, { type: "relation" }>[] {
	return collection.fields.filter(
		(f): f is Extract<Field, { type: "relation" }> => f.type === "relation",
	);
}
