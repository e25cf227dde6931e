import type { IdGenerator } from "../../tools/ids/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { CollectionRegistry } from "../collections/index.js";
import type { Database, Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { RequestInfo } from "../query/index.js";
import type { PasswordCheck } from "./auth-write.js";
import { translateWriteError } from "./constraint-errors.js";
import type { RecordContext } from "./read-context.js";
import type { RecordData } from "./record-codec.js";
import { createRecord, deleteRecord, updateRecord } from "./write-records.js";

/** One write of a batch, already routed by the API layer. */
export interface BatchOperation {
	action: "create" | "update" | "replace" | "delete";
	collection: string;
	id?: string;
	body: Record<string, unknown>;
	ifMatch?: string | undefined;
}

/** The answer to one batch operation. */
export interface BatchResult {
	status: number;
	record: RecordData | null;
}

/** What a batch runs with: the records service's database, schema, clock and context. */
export interface BatchDeps {
	db: Database;
	registry: CollectionRegistry;
	newId: IdGenerator;
	clock: Clock;
	checkPassword: PasswordCheck;
	/** Builds the context one write of the batch runs in. */
	context(executor: Executor, request: RequestInfo, now: string): RecordContext;
}

/**
 * Runs writes in one transaction, each under its own rules as if sent alone. The
 * first failure rolls everything back and is rethrown with its `index`.
 */
export async function runBatch(
	operations: BatchOperation[],
	caller: RequestInfo["caller"],
	deps: BatchDeps,
): Promise<BatchResult[]> {
	const { db, registry } = deps;
	const now = deps.clock().toISOString();
	let index = 0;
	try {
		return await db.kysely.transaction().execute(async (trx) => {
			const results: BatchResult[] = [];
			for (; index < operations.length; index++) {
				results.push(
					await runOperation(
						trx,
						operations[index] as BatchOperation,
						caller,
						now,
						deps,
					),
				);
			}
			return results;
		});
	} catch (err: unknown) {
		const op = operations[index];
		const collection = op ? registry.find(op.collection) : undefined;
		const translated = collection
			? translateWriteError(err, collection, db.dialect)
			: err;
		if (translated instanceof AppError) {
			throw new AppError(translated.code, {
				detail: `Request ${index} failed: ${translated.message}`,
				errors: translated.errors,
				extensions: { ...translated.extensions, index },
				cause: translated,
			});
		}
		throw translated;
	}
}

async function runOperation(
	trx: Executor,
	op: BatchOperation,
	caller: RequestInfo["caller"],
	now: string,
	deps: BatchDeps,
) {
	const collection = deps.registry.get(op.collection);
	const method = {
		create: "POST",
		update: "PATCH",
		replace: "PUT",
		delete: "DELETE",
	}[op.action];
	const ctx = deps.context(trx, { caller, method, body: op.body }, now);
	const writeDeps = {
		newId: deps.newId,
		checkPassword: deps.checkPassword,
		now,
		ifMatch: op.ifMatch,
	};
	switch (op.action) {
		case "create":
			return {
				status: 201,
				record: await createRecord(collection, op.body, ctx, writeDeps),
			};
		case "update":
		case "replace":
			return {
				status: 200,
				record: await updateRecord(
					collection,
					op.id ?? "",
					op.body,
					op.action,
					ctx,
					writeDeps,
				),
			};
		case "delete":
			await deleteRecord(collection, op.id ?? "", ctx, writeDeps);
			return { status: 204, record: null };
	}
}
