import { type Migration, type MigrationResultSet, Migrator } from "kysely";
import type { Database } from "./database.js";
import { systemTables } from "./migrations/0001-system-tables.js";
import { jobsTable } from "./migrations/0002-jobs.js";
import { cronRunsTable } from "./migrations/0003-cron-runs.js";
import { jobOutboxTable } from "./migrations/0004-job-outbox.js";
import { webhooksTables } from "./migrations/0005-webhooks.js";
import { importCheckpointsTable } from "./migrations/0006-import-checkpoints.js";
import { refreshTokensTable } from "./migrations/0007-refresh-tokens.js";
import { accountTokensTable } from "./migrations/0008-account-tokens.js";
import { oauth2Tables } from "./migrations/0009-oauth2.js";
import { machineAccessTables } from "./migrations/0010-machine-access.js";
import { auditLogTable } from "./migrations/0011-audit-log.js";
import { requestLogsTable } from "./migrations/0012-request-logs.js";
import { jobTraceContextColumn } from "./migrations/0013-job-trace-context.js";
import { dataKeysTable } from "./migrations/0014-data-keys.js";
import { webhookEncryptedFieldsColumn } from "./migrations/0015-webhook-encrypted-fields.js";
import { jobDispatchColumn } from "./migrations/0016-job-dispatch.js";

/** One applied or pending system migration. */
export interface MigrationStatus {
	name: string;
	appliedAt: Date | undefined;
}

/** The migration that creates the system tables: applying it means a new database. */
export const FIRST_MIGRATION = "0001-system-tables";

/**
 * The numbered system migrations, oldest first. Names sort in order of application;
 * a released migration is never edited, only followed by a new one.
 */
function systemMigrations(db: Database): Record<string, Migration> {
	return {
		[FIRST_MIGRATION]: systemTables(db.dialect),
		"0002-jobs": jobsTable(db.dialect),
		"0003-cron-runs": cronRunsTable(db.dialect),
		"0004-job-outbox": jobOutboxTable(db.dialect),
		"0005-webhooks": webhooksTables(db.dialect),
		"0006-import-checkpoints": importCheckpointsTable(db.dialect),
		"0007-refresh-tokens": refreshTokensTable(db.dialect),
		"0008-account-tokens": accountTokensTable(db.dialect),
		"0009-oauth2": oauth2Tables(db.dialect),
		"0010-machine-access": machineAccessTables(db.dialect),
		"0011-audit-log": auditLogTable(db.dialect),
		"0012-request-logs": requestLogsTable(db.dialect),
		"0013-job-trace-context": jobTraceContextColumn(),
		"0014-data-keys": dataKeysTable(db.dialect),
		"0015-webhook-encrypted-fields": webhookEncryptedFieldsColumn(db.dialect),
		"0016-job-dispatch": jobDispatchColumn(db.dialect),
	};
}

function createMigrator(db: Database): Migrator {
	return new Migrator({
		db: db.kysely,
		provider: { getMigrations: async () => systemMigrations(db) },
		migrationTableName: "_migrations",
		migrationLockTableName: "_migrations_lock",
	});
}

function unwrap(result: MigrationResultSet): string[] {
	if (result.error) throw result.error;
	return (result.results ?? []).map((r) => r.migrationName);
}

/** Applies every pending system migration; returns the names applied. */
export async function migrateUp(db: Database): Promise<string[]> {
	return unwrap(await createMigrator(db).migrateToLatest());
}

/** Reverts the newest applied system migration; returns its name. */
export async function migrateDown(db: Database): Promise<string[]> {
	return unwrap(await createMigrator(db).migrateDown());
}

/** Lists every system migration with when it was applied. */
export async function migrationStatus(
	db: Database,
): Promise<MigrationStatus[]> {
	const migrations = await createMigrator(db).getMigrations();
	return migrations.map((m) => ({ name: m.name, appliedAt: m.executedAt }));
}
