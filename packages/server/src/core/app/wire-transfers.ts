import path from "node:path";
import { removeOldFiles } from "../../tools/files/index.js";
import type { CurrentCaller } from "../auth/index.js";
import {
	createExportsService,
	type ExportsService,
	registerExportJob,
} from "../exports/index.js";
import {
	createImportsService,
	type ImportsService,
	registerImportJob,
} from "../imports/index.js";
import type { JobsService } from "../jobs/index.js";
import type { RecordsService } from "../records/index.js";
import type { AreaContribution } from "./area.js";
import type { SharedParts } from "./shared-parts.js";

/** Imports and exports of records, run as jobs. */
export interface TransfersArea {
	imports: ImportsService;
	exports: ExportsService;
	contribution: AreaContribution;
}

/**
 * Wires imports and exports: their jobs, which act as the caller who started them
 * (brought up to date before each step), and the purge of their files in the data
 * dir after the retention period.
 */
export function wireTransfers(
	shared: SharedParts,
	uses: {
		jobs: JobsService;
		records: RecordsService;
		currentCaller: CurrentCaller;
	},
): TransfersArea {
	const { config, registry } = shared;
	const { jobs, records, currentCaller } = uses;
	const dataDir = config.dataDir;
	registerImportJob({
		db: shared.db,
		jobs,
		records,
		registry,
		clock: shared.clock,
		currentCaller,
	});
	registerExportJob({ jobs, records, registry, dataDir, currentCaller });
	const filesIn = (folder: string) => ({
		name: `${folder.slice(0, -1)}Files`,
		run: (cutoff: Date) => removeOldFiles(path.join(dataDir, folder), cutoff),
	});
	return {
		imports: createImportsService({
			jobs,
			registry,
			dataDir,
			maxBytes: config.imports.maxBytes,
		}),
		exports: createExportsService({ jobs, records, dataDir }),
		contribution: { purgeSteps: [filesIn("exports"), filesIn("imports")] },
	};
}
