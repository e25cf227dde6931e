import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { recordScope, requireScope } from "../auth/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import { AppError } from "../errors/index.js";
import type { Job, JobsService } from "../jobs/index.js";
import type { Caller } from "../model/index.js";
import { IMPORT_JOB, type ImportPayload } from "./import-job.js";
import type { ImportFormat } from "./read-import-rows.js";

/** An import as the API asks for it. */
export interface ImportRequest {
	collection: string;
	format: ImportFormat;
	onError: "skip" | "abort";
	upsert?: string | undefined;
	caller: Caller;
	/** The file's bytes, streamed to disk, never held in memory. */
	body: Readable;
}

/** Starts imports of records from an uploaded file. */
export interface ImportsService {
	/**
	 * Checks the request, saves the body in the data dir and queues the import job;
	 * the job it answers does the rest.
	 */
	start(request: ImportRequest): Promise<Job>;
}

/**
 * Starts imports (docs/jobs.md#imports): checks the request, streams the body into the
 * data dir (any size up to `maxBytes`) and queues the import job, which does the rest.
 */
export function createImportsService(deps: {
	jobs: JobsService;
	registry: CollectionRegistry;
	dataDir: string;
	maxBytes: number;
}): ImportsService {
	return {
		async start(request: ImportRequest): Promise<Job> {
			const collection = deps.registry.get(request.collection);
			const { caller } = request;
			if (caller.kind === "guest")
				throw new AppError("AUTH_REQUIRED", {
					detail: "Sign in to import records.",
				});
			// Now, not row by row in the job: a key without the scope uploads nothing.
			requireScope(caller, recordScope("write", collection.name));
			if (collection.rules.create === null && caller.kind !== "superuser")
				throw new AppError("SUPERUSER_REQUIRED");
			// Accounts are made one sign-up at a time (and rate limited), or in bulk by
			// superusers: an import must not be a way around the sign-up limit.
			if (collection.type === "auth" && caller.kind !== "superuser")
				throw new AppError("SUPERUSER_REQUIRED", {
					detail: "Only superusers import accounts.",
				});
			if (request.upsert !== undefined) {
				const unique = collection.indexes.some(
					(ix) =>
						ix.unique &&
						ix.fields.length === 1 &&
						ix.fields[0] === request.upsert,
				);
				if (!unique) {
					throw new AppError("INVALID_QUERY", {
						detail: `upsert needs a field with a unique index of its own; "${request.upsert.slice(0, 64)}" has none.`,
					});
				}
			}
			const dir = path.join(deps.dataDir, "imports");
			await mkdir(dir, { recursive: true });
			const file = path.join(dir, `${randomUUID()}.${request.format}`);
			await saveCapped(request.body, file, deps.maxBytes);
			const payload: ImportPayload = {
				collection: collection.name,
				file,
				format: request.format,
				onError: request.onError,
				upsert: request.upsert,
				caller,
			};
			try {
				return await deps.jobs.enqueue({
					name: IMPORT_JOB,
					payload,
					options: { queue: "imports", maxAttempts: 5 },
				});
			} catch (err: unknown) {
				await rm(file, { force: true });
				throw err;
			}
		},
	};
}

/** Streams to a file, refusing (413) and removing it once it passes `maxBytes`. */
async function saveCapped(
	body: Readable,
	file: string,
	maxBytes: number,
): Promise<void> {
	let size = 0;
	const counter = async function* (source: AsyncIterable<Buffer>) {
		for await (const chunk of source) {
			size += chunk.length;
			if (size > maxBytes) {
				throw new AppError("PAYLOAD_TOO_LARGE", {
					detail: `Imports are limited to ${maxBytes} bytes (BASALT_IMPORT_MAX_BYTES).`,
				});
			}
			yield chunk;
		}
	};
	try {
		await pipeline(body, counter, createWriteStream(file, { mode: 0o600 }));
	} catch (err: unknown) {
		await rm(file, { force: true });
		throw err;
	}
}
