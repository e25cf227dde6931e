export type { PasswordCheck } from "./auth-write.js";
export {
	type AutoCacheMeter,
	type CacheActivity,
	createAutoCacheMeter,
} from "./auto-cache.js";
export { type CachePolicies, createCachePolicies } from "./cache-policy.js";
export { etagMatches, etagOf } from "./etag.js";
export type { ListExplanation } from "./explain-list.js";
export type { StoredResponse } from "./idempotency-store.js";
export type { IdempotencyRequest } from "./idempotent-create.js";
export type { ListOptions, ListResult, ViewOptions } from "./list-records.js";
export type { RecordChange, RecordChangeSink } from "./record-changes.js";
export type { RecordData } from "./record-codec.js";
export { isNameable, omitFields, privacyFor } from "./record-privacy.js";
export {
	type JsonSchema,
	recordInputSchema,
	recordOutputSchema,
} from "./record-schema.js";
export type { RecordWriter } from "./record-writer.js";
export {
	type CreateOutcome,
	createRecordsService,
	type RecordsService,
} from "./records-service.js";
export {
	type CachedAnswer,
	type CacheOutcome,
	type ClientCacheDirective,
	createResponseCache,
	type ResponseCache,
} from "./response-cache.js";
export type { BatchOperation, BatchResult } from "./run-batch.js";
export { orderByTerms, resolveSort } from "./sort-order.js";
