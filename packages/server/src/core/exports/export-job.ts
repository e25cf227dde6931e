import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { CollectionRegistry } from "../collections/index.js";
import { callerNow, type JobsService } from "../jobs/index.js";
import type { Caller } from "../model/index.js";
import {
	isNameable,
	omitFields,
	type RecordsService,
} from "../records/index.js";
import { csvLine } from "./csv-cells.js";

/** The job that writes one export file. */
export const EXPORT_JOB = "basalt.export";

/** What an export job is asked to do. */
export interface ExportPayload {
	collection: string;
	format: "csv" | "ndjson";
	filter?: string | undefined;
	sort?: string | undefined;
	/** Write encrypted fields' values in clear; left out otherwise. */
	includeEncrypted?: boolean | undefined;
	caller: Caller;
}

const PAGE = 500;

/** Where the export of a job is written. */
export function exportFile(
	dataDir: string,
	jobId: string,
	format: ExportPayload["format"],
): string {
	return path.join(dataDir, "exports", `${jobId}.${format}`);
}

/**
 * Registers the export handler: it walks the collection with a keyset cursor as the
 * caller (the list rule and the filter apply, exactly as for GET …/records), writes
 * CSV or NDJSON to a temporary file and renames it into place when complete, so a
 * download never sees half a file. Memory stays flat: one page at a time.
 */
export function registerExportJob(deps: {
	jobs: JobsService;
	records: RecordsService;
	registry: CollectionRegistry;
	dataDir: string;
	/** Brings the saved caller up to date; throws when its access ended. */
	currentCaller: (caller: Caller) => Promise<Caller>;
}): void {
	deps.jobs.register(EXPORT_JOB, {
		timeoutMs: 6 * 3600_000,
		handler: async ({ job, reportProgress, signal }) => {
			const payload = job.payload as ExportPayload;
			const file = exportFile(deps.dataDir, job.id, payload.format);
			await mkdir(path.dirname(file), { recursive: true });
			const partial = `${file}.partial`;
			const out = createWriteStream(partial, { mode: 0o600 });
			const write = async (text: string) => {
				if (!out.write(text)) await once(out, "drain");
			};
			let rows = 0;
			try {
				// The columns the caller may see: hidden fields are for superusers;
				// encrypted ones only when asked for, since the file is in clear.
				const all = deps.registry.get(payload.collection).fields;
				const left =
					payload.includeEncrypted === true
						? []
						: all.filter((f) => f.type === "encrypted").map((f) => f.name);
				const fields = all
					.filter(
						(f) => isNameable(f, payload.caller) && !left.includes(f.name),
					)
					.map((f) => f.name);
				const columns = ["id", "created", "updated", ...fields];
				if (payload.format === "csv") await write(csvLine(columns));
				let cursor: string | null = "";
				while (cursor !== null) {
					if (signal.aborted) throw signal.reason;
					// Each page as the caller is now: a revoked key or a deleted or
					// demoted account stops the export, as it would stop a request.
					const caller = await callerNow(deps, payload.caller);
					const request = { caller, method: "GET", body: {} };
					const page = await deps.records.list(
						payload.collection,
						{
							filter: payload.filter,
							sort: payload.sort,
							page: 1,
							perPage: PAGE,
							cursor,
							skipTotal: true,
						},
						request,
					);
					if (!("nextCursor" in page))
						throw new Error("a cursor walk answered with a page");
					for (const record of page.items) {
						await write(
							payload.format === "csv"
								? csvLine(columns.map((c) => record[c]))
								: `${JSON.stringify(omitFields(record, left))}\n`,
						);
					}
					rows += page.items.length;
					cursor = page.nextCursor;
					await reportProgress({ rows });
				}
				out.end();
				await once(out, "close");
				await rename(partial, file);
			} catch (err: unknown) {
				out.destroy();
				await rm(partial, { force: true });
				throw err;
			}
			return {
				rows,
				format: payload.format,
				bytes: (await stat(file)).size,
				download: `/api/v1/jobs/${job.id}/download`,
			};
		},
	});
}
