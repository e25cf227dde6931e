import { rm } from "node:fs/promises";
import type { Clock } from "../../tools/time/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database } from "../db/index.js";
import {
	callerNow,
	type JobContext,
	type JobsService,
	PermanentJobError,
} from "../jobs/index.js";
import type { Caller } from "../model/index.js";
import type { RecordsService, RecordWriter } from "../records/index.js";
import { toRecordBody } from "./coerce-import-row.js";
import {
	type ImportFormat,
	ImportParseError,
	type ImportRow,
	readImportRows,
} from "./read-import-rows.js";

/** The job that imports one file. */
export const IMPORT_JOB = "basalt.import";

/** What an import job is asked to do. */
export interface ImportPayload {
	collection: string;
	file: string;
	format: ImportFormat;
	/** skip: bad rows are reported and the rest imported; abort: one bad row imports nothing. */
	onError: "skip" | "abort";
	/** A unique field: a row whose value exists updates that record instead of creating one. */
	upsert?: string | undefined;
	caller: Caller;
}

/** A refused row, by its line in the file. */
export interface RowError {
	line: number;
	errors:
		| Record<string, { code: string; message: string }>
		| { row: { code: string; message: string } };
}

interface Tally {
	line: number;
	imported: number;
	failed: number;
	errors: RowError[];
}

const BATCH = 500;
const MAX_REPORTED_ERRORS = 1000;

/** Registers the import job's handler. */
export function registerImportJob(deps: {
	db: Database;
	jobs: JobsService;
	records: RecordsService;
	registry: CollectionRegistry;
	clock: Clock;
	/** Brings the saved caller up to date; throws when its access ended. */
	currentCaller: (caller: Caller) => Promise<Caller>;
}): void {
	deps.jobs.register(IMPORT_JOB, {
		timeoutMs: 6 * 3600_000,
		handler: async (context) => {
			const payload = context.job.payload as ImportPayload;
			const result =
				payload.onError === "abort"
					? await importAll(deps, payload, context)
					: await importInBatches(deps, payload, context);
			await rm(payload.file, { force: true });
			await deps.db.kysely
				.deleteFrom("_import_checkpoints")
				.where("job_id", "=", context.job.id)
				.execute();
			return {
				rowsImported: result.imported,
				rowsFailed: result.failed,
				errors: result.errors,
			};
		},
	});
}

type Deps = Parameters<typeof registerImportJob>[0];

/**
 * onError=skip: rows go in batches of 500, each batch one transaction together with
 * the checkpoint that says how far the file is done. A killed import starts again
 * after its last committed batch.
 */
async function importInBatches(
	deps: Deps,
	payload: ImportPayload,
	context: JobContext,
): Promise<Tally> {
	const tally = await loadCheckpoint(deps, context.job.id);
	let batch: ImportRow[] = [];
	const flush = async () => {
		if (batch.length === 0) return;
		const rows = batch;
		batch = [];
		// Each batch as the caller is now: a revoked key or a deleted or demoted
		// account stops the import, as it would stop a request.
		const caller = await callerNow(deps, payload.caller);
		await deps.records.writeInTransaction(caller, async (writer) => {
			for (const row of rows)
				await writeRow(deps, payload, writer, row, tally, true);
			tally.line = rows.at(-1)?.line ?? tally.line;
			await saveCheckpoint(deps, writer, context.job.id, tally);
		});
		await context.reportProgress({
			line: tally.line,
			rowsImported: tally.imported,
			rowsFailed: tally.failed,
		});
	};
	try {
		for await (const row of readImportRows(
			payload.file,
			payload.format,
			tally.line,
		)) {
			if (context.signal.aborted) throw context.signal.reason;
			batch.push(row);
			if (batch.length >= BATCH) await flush();
		}
		await flush();
	} catch (err: unknown) {
		if (err instanceof ImportParseError)
			throw new PermanentJobError(
				`the file cannot be read on from ${err.message}`,
			);
		throw err;
	}
	return tally;
}

/** onError=abort: every row in one transaction; the first bad row rolls all of it back. */
async function importAll(
	deps: Deps,
	payload: ImportPayload,
	context: JobContext,
): Promise<Tally> {
	const tally: Tally = { line: 0, imported: 0, failed: 0, errors: [] };
	try {
		const caller = await callerNow(deps, payload.caller);
		await deps.records.writeInTransaction(caller, async (writer) => {
			for await (const row of readImportRows(payload.file, payload.format)) {
				if (context.signal.aborted) throw context.signal.reason;
				await writeRow(deps, payload, writer, row, tally, false);
				if (tally.line % 5000 === 0)
					await context.reportProgress({
						line: tally.line,
						rowsImported: tally.imported,
					});
			}
		});
	} catch (err: unknown) {
		if (err instanceof ImportParseError)
			throw new PermanentJobError(
				`nothing was imported: the file cannot be read on from ${err.message}`,
			);
		throw err;
	}
	return tally;
}

class RowRefused extends PermanentJobError {}

async function writeRow(
	deps: Deps,
	payload: ImportPayload,
	writer: RecordWriter,
	row: ImportRow,
	tally: Tally,
	skip: boolean,
): Promise<void> {
	tally.line = row.line;
	const refuse = (refused: RowError["errors"]) => {
		const errors = storable(refused);
		if (!skip) {
			const first = Object.entries(errors)[0];
			throw new RowRefused(
				`nothing was imported: line ${row.line}: ${first ? `${first[0]} ${first[1].message}` : "invalid"}`,
			);
		}
		tally.failed += 1;
		if (tally.errors.length < MAX_REPORTED_ERRORS)
			tally.errors.push({ line: row.line, errors });
	};
	if ("error" in row)
		return refuse({ row: { code: "UNREADABLE_ROW", message: row.error } });
	const collection = deps.registry.get(payload.collection);
	const body = toRecordBody(collection, row.row, payload.format === "csv");
	const outcome = await writer.attempt(collection.name, async () => {
		const existing =
			payload.upsert !== undefined
				? await writer.findIdBy(
						collection.name,
						payload.upsert,
						body[payload.upsert],
					)
				: undefined;
		return existing
			? writer.update(collection.name, existing, body)
			: writer.create(collection.name, body);
	});
	if (outcome.ok) tally.imported += 1;
	else
		refuse(
			outcome.error.errors ?? {
				row: { code: outcome.error.code, message: outcome.error.message },
			},
		);
}

/**
 * A row's errors as they can be stored: the report is JSON, which PostgreSQL's jsonb
 * cannot hold with a NUL in it (https://www.postgresql.org/docs/current/datatype-json.html),
 * and field names come from the file. A NUL shows as U+FFFD.
 */
function storable(errors: RowError["errors"]): RowError["errors"] {
	const clean = (text: string) => text.replaceAll("\u0000", "\ufffd");
	return Object.fromEntries(
		Object.entries(errors).map(([field, e]) => [
			clean(field),
			{ code: e.code, message: clean(e.message) },
		]),
	) as RowError["errors"];
}

async function loadCheckpoint(deps: Deps, jobId: string): Promise<Tally> {
	const row = await deps.db.kysely
		.selectFrom("_import_checkpoints")
		.selectAll()
		.where("job_id", "=", jobId)
		.executeTakeFirst();
	if (!row) return { line: 0, imported: 0, failed: 0, errors: [] };
	return {
		line: Number(row.line),
		imported: Number(row.imported),
		failed: Number(row.failed),
		errors: deps.db.dialect.decode("json", row.errors) as RowError[],
	};
}

async function saveCheckpoint(
	deps: Deps,
	writer: RecordWriter,
	jobId: string,
	tally: Tally,
): Promise<void> {
	const values = {
		line: tally.line,
		imported: tally.imported,
		failed: tally.failed,
		errors: deps.db.dialect.encode("json", tally.errors),
		updated: deps.clock().toISOString(),
	};
	const updated = await writer.trx
		.updateTable("_import_checkpoints")
		.set(values)
		.where("job_id", "=", jobId)
		.executeTakeFirst();
	if (Number(updated.numUpdatedRows) === 0)
		await writer.trx
			.insertInto("_import_checkpoints")
			.values({ job_id: jobId, ...values })
			.execute();
}
