export { etagMatches, etagOf } from "./etag.js";
export type { StoredResponse } from "./idempotency-store.js";
export type { ListOptions, ListResult, ViewOptions } from "./list-records.js";
export type { RecordData } from "./record-codec.js";
export {
	type JsonSchema,
	recordInputSchema,
	recordOutputSchema,
} from "./record-schema.js";
export {
	type BatchOperation,
	type BatchResult,
	createRecordsService,
	type IdempotencyRequest,
	type RecordsService,
} from "./records-service.js";
