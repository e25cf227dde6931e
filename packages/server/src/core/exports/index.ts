export { csvLine } from "./csv-cells.js";
export {
	EXPORT_JOB,
	type ExportPayload,
	registerExportJob,
} from "./export-job.js";
export {
	createExportsService,
	type ExportDownload,
	type ExportRequest,
	type ExportsService,
} from "./exports-service.js";
