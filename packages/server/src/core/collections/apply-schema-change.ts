import { type CompiledQuery, sql } from "kysely";
import type { Database, Executor } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { DataCheck } from "./ddl-planner.js";

/** A schema change ready to run: checks first, then statements, then bookkeeping. */
export interface SchemaChange {
	checks: DataCheck[];
	statements: CompiledQuery[];
	foreignKeysOff: boolean;
	/** The table whose foreign keys are verified after a rebuild. */
	table: string;
	/** Writes `_collections` and history in the same transaction. */
	record(trx: Executor): Promise<void>;
}

/**
 * Runs a schema change in one transaction, so a failure anywhere (a check, a unique
 * index over duplicates, a foreign key) leaves schema and data as they were.
 */
export async function applySchemaChange(
	db: Database,
	change: SchemaChange,
): Promise<void> {
	const run = async (trx: Executor) => {
		for (const check of change.checks) {
			const rows = await trx.executeQuery(check.query);
			if (rows.rows.length > 0) refuse(check.field, check.reason);
		}
		for (const statement of change.statements) {
			try {
				await trx.executeQuery(statement);
			} catch (err: unknown) {
				throw explainFailure(db, err);
			}
		}
		if (change.foreignKeysOff) {
			const broken =
				await sql`PRAGMA foreign_key_check(${sql.lit(change.table)})`.execute(
					trx,
				);
			if (broken.rows.length > 0)
				refuse(
					"fields",
					"some relation values point at records that do not exist",
				);
		}
		await change.record(trx);
	};
	if (!change.foreignKeysOff) {
		await db.kysely.transaction().execute(run);
		return;
	}
	// PRAGMA foreign_keys is a no-op inside a transaction, and must not leak to other
	// queries: hold the one connection for the whole change.
	await db.kysely.connection().execute(async (conn) => {
		await sql`PRAGMA foreign_keys = OFF`.execute(conn);
		try {
			await conn.transaction().execute(run);
		} finally {
			await sql`PRAGMA foreign_keys = ON`.execute(conn);
		}
	});
}

function refuse(field: string, reason: string): never {
	throw new AppError("SCHEMA_CHANGE_REFUSED", {
		detail: reason,
		errors: { [field]: { code: "CHANGE_REFUSED", message: reason } },
	});
}

function explainFailure(db: Database, err: unknown): Error {
	if (err instanceof AppError) return err;
	// A name taken outside Basalt's knowledge (checkNames covers its own collections).
	if (err instanceof Error && /already exists/i.test(err.message)) {
		return new AppError("SCHEMA_CHANGE_REFUSED", {
			detail: "A table or index of that name already exists in the database.",
			cause: err,
		});
	}
	const failure = db.dialect.classifyError(err);
	if (failure?.kind === "unique") {
		return new AppError("SCHEMA_CHANGE_REFUSED", {
			detail:
				"A unique index cannot be built: existing records hold duplicate values.",
			cause: err,
		});
	}
	if (failure?.kind === "foreign_key") {
		return new AppError("SCHEMA_CHANGE_REFUSED", {
			detail: "Existing relation values point at records that do not exist.",
			cause: err,
		});
	}
	return err instanceof Error ? err : new Error(String(err));
}
