import type { Ajv } from "ajv";
import { type Kysely, sql } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../db/index.js";
import type { FieldCipher } from "../encryption/index.js";
import { authColumns, type Collection } from "../model/index.js";
import { createRecordCodec, type RecordCodec } from "./record-codec.js";
import {
	createRecordValidator,
	type RecordValidator,
} from "./record-validator.js";

/** What the records service prepares once per collection version. */
export interface CollectionRuntime {
	version: number;
	codec: RecordCodec;
	validate: RecordValidator;
	/** `SELECT r.* … WHERE r.id = ?` for callers no view rule restricts; one parameter. */
	viewSql: string;
	/** The INSERT of a create, every column in `insertColumns` order, RETURNING *. */
	insertSql: string;
	insertColumns: string[];
}

/**
 * Compiles the statements that do not depend on the caller once per collection
 * version, so the hot path binds parameters instead of building SQL.
 */
function compileStatements(
	collection: Collection,
	kysely: Kysely<DatabaseSchema>,
) {
	const table = sql.table(collection.name);
	const viewSql =
		sql`SELECT r.* FROM ${table} AS r WHERE r.id = ${""} LIMIT 1`.compile(
			kysely,
		).sql;
	const insertColumns = [
		"id",
		"created",
		"updated",
		...(collection.type === "auth" ? authColumns : []),
		...collection.fields.map((f) => f.name),
	];
	const placeholders = insertColumns.map(() => sql`${null}`);
	const insertSql =
		sql`INSERT INTO ${table} (${sql.join(insertColumns.map((c) => sql.ref(c)))}) VALUES (${sql.join(placeholders)}) RETURNING *`.compile(
			kysely,
		).sql;
	return { viewSql, insertSql, insertColumns };
}

/**
 * Creates the cache of per-collection codecs and validators, generated once per schema
 * version, not per request.
 */
export function createRuntimeCache(
	dialect: SqlDialect,
	ajv: Ajv,
	kysely: Kysely<DatabaseSchema>,
	cipher: FieldCipher,
) {
	const cache = new Map<string, CollectionRuntime>();
	return function runtimeOf(collection: Collection): CollectionRuntime {
		const hit = cache.get(collection.id);
		if (hit && hit.version === collection.version) return hit;
		const runtime = {
			version: collection.version,
			codec: createRecordCodec(collection, dialect, cipher),
			validate: createRecordValidator(collection, ajv),
			...compileStatements(collection, kysely),
		};
		cache.set(collection.id, runtime);
		return runtime;
	};
}
