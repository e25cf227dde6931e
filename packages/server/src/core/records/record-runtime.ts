import type { Ajv } from "ajv";
import type { Collection } from "../collections/index.js";
import type { SqlDialect } from "../db/index.js";
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
}

/**
 * Creates the cache of per-collection codecs and validators (DESIGN.md rule 6:
 * generated once per schema version, not per request).
 */
export function createRuntimeCache(dialect: SqlDialect, ajv: Ajv) {
	const cache = new Map<string, CollectionRuntime>();
	return function runtimeOf(collection: Collection): CollectionRuntime {
		const hit = cache.get(collection.id);
		if (hit && hit.version === collection.version) return hit;
		const runtime = {
			version: collection.version,
			codec: createRecordCodec(collection, dialect),
			validate: createRecordValidator(collection, ajv),
		};
		cache.set(collection.id, runtime);
		return runtime;
	};
}
