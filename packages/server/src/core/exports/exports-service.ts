import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { recordScope, requireScope } from "../auth/index.js";
import { AppError } from "../errors/index.js";
import type { Job, JobsService } from "../jobs/index.js";
import type { Caller } from "../model/index.js";
import type { RecordsService } from "../records/index.js";
import { EXPORT_JOB, type ExportPayload, exportFile } from "./export-job.js";

/** An export as the API asks for it. */
export interface ExportRequest {
	collection: string;
	format: ExportPayload["format"];
	filter?: string | undefined;
	sort?: string | undefined;
	/** Write encrypted fields' values in clear (docs/security.md#encrypted-fields). */
	includeEncrypted?: boolean | undefined;
	caller: Caller;
}

/** A finished export, ready to stream to its owner. */
export interface ExportDownload {
	body: Readable;
	filename: string;
	contentType: string;
}

/** Starts exports of records to a file and hands the files out. */
export interface ExportsService {
	/**
	 * Checks the filter and sort by running them once and queues the export job;
	 * the job it answers writes the file.
	 */
	start(request: ExportRequest): Promise<Job>;
	/**
	 * The finished file of an export, to whoever asked for it or a superuser;
	 * JOB_NOT_FOUND for anyone else, EXPORT_NOT_READY until the job completes.
	 */
	download(jobId: string, caller: Caller): Promise<ExportDownload>;
}

const CONTENT_TYPES = {
	csv: "text/csv; charset=utf-8",
	ndjson: "application/x-ndjson",
} as const;

/**
 * Starts exports and hands their files out (docs/jobs.md#exports). The filter and sort
 * are checked by running them once (a bad one is a 400 now, not a failed job later);
 * the file is only ever given to whoever asked for it, or a superuser.
 */
export function createExportsService(deps: {
	jobs: JobsService;
	records: RecordsService;
	dataDir: string;
}): ExportsService {
	return {
		async start(request: ExportRequest): Promise<Job> {
			const { caller } = request;
			if (caller.kind === "guest")
				throw new AppError("AUTH_REQUIRED", {
					detail: "Sign in to export records.",
				});
			const probe = {
				filter: request.filter,
				sort: request.sort,
				page: 1,
				perPage: 1,
				skipTotal: true,
			};
			await deps.records.list(request.collection, probe, {
				caller,
				method: "GET",
				body: {},
			});
			const payload: ExportPayload = { ...request };
			return deps.jobs.enqueue({
				name: EXPORT_JOB,
				payload,
				options: { queue: "exports", maxAttempts: 3 },
			});
		},
		async download(jobId: string, caller: Caller): Promise<ExportDownload> {
			const job = await deps.jobs.get(jobId);
			const payload = (job.payload ?? {}) as Partial<ExportPayload>;
			const owner =
				payload.caller && "id" in payload.caller
					? payload.caller.id
					: undefined;
			const mine =
				caller.kind === "superuser" ||
				(owner !== undefined && "id" in caller && caller.id === owner);
			if (job.name !== EXPORT_JOB || !mine || !payload.format) {
				throw new AppError("JOB_NOT_FOUND", {
					detail: `No export "${jobId.slice(0, 64)}".`,
				});
			}
			// The file holds records: reading it needs the scope a list of them would.
			requireScope(caller, recordScope("read", payload.collection ?? ""));
			if (job.status !== "completed")
				throw new AppError("EXPORT_NOT_READY", {
					detail: `The export is ${job.status}.`,
				});
			return {
				body: createReadStream(
					exportFile(deps.dataDir, job.id, payload.format),
				),
				filename: `${payload.collection}-${job.id}.${payload.format}`,
				contentType: CONTENT_TYPES[payload.format],
			};
		},
	};
}
