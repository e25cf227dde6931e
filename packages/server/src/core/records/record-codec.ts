import { columnShape } from "../collections/index.js";
import type { SqlDialect, StorageKind } from "../db/index.js";
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
	/** A raw row to a record, with every field present (lists default to []). */
	decode(row: Record<string, unknown>): RecordData;
	/** API values to column values for the given fields. */
	encode(values: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Creates the codec for a collection version. Built once per version (the records
 * service caches it), so the per-row work is a loop over a prepared field list.
 */
export function createRecordCodec(
	collection: Collection,
	dialect: SqlDialect,
): RecordCodec {
	const columns = collection.fields.map((field) => ({
		field,
		kind: columnShape(field).kind,
		multi: isMultiValue(field),
	}));
	const kindOf = new Map<string, StorageKind>(
		columns.map((c) => [c.field.name, c.kind]),
	);
	kindOf.set("verified", "boolean");
	const auth = collection.type === "auth";
	return {
		decode(row) {
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
			for (const { field, kind, multi } of columns) {
				if (!(field.name in row)) continue;
				const value = dialect.decode(kind, row[field.name]);
				record[field.name] = multi && value === null ? [] : value;
			}
			return record as RecordData;
		},
		encode(values) {
			const out: Record<string, unknown> = {};
			for (const [name, value] of Object.entries(values)) {
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
