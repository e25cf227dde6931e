export {
	IMPORT_JOB,
	type ImportPayload,
	type RowError,
	registerImportJob,
} from "./import-job.js";
export {
	createImportsService,
	type ImportRequest,
	type ImportsService,
} from "./imports-service.js";
export type { ImportFormat } from "./read-import-rows.js";
