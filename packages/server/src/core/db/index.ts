export { type Database, pingDatabase } from "./database.js";
export {
	explainQuery,
	type QueryPlan,
	type ReadRows,
} from "./explain-query.js";
export { foldCase } from "./fold-case.js";
export {
	FIRST_MIGRATION,
	type MigrationStatus,
	migrateDown,
	migrateUp,
	migrationStatus,
} from "./migrate.js";
// Types only: the PostgreSQL driver (and pg) is loaded from ./open-postgres.js when
// DATABASE_URL names PostgreSQL.
export type { PostgresOptions } from "./open-postgres.js";
export { openSqliteDatabase, type SqliteOptions } from "./open-sqlite.js";
export type {
	QueryEvent,
	QueryListener,
	QueryListeners,
} from "./query-listeners.js";
export {
	NEWEST_FIRST,
	type PageRequest,
	selectPage,
} from "./select-page.js";
export {
	createSlowQueryLog,
	type SlowQueryLogSettings,
} from "./slow-query-log.js";
export type {
	ConstraintFailure,
	DatabaseSchema,
	Executor,
	SqlDialect,
	StorageKind,
} from "./sql-dialect.js";
export { sqlOperation, sqlTarget } from "./sql-operation.js";
export {
	changeSqliteEncryption,
	type EncryptionChange,
	type EncryptionChanged,
	isEncryptedSqliteFile,
	SqliteFileError,
	type SqliteFileProblem,
} from "./sqlite-file-encryption.js";
