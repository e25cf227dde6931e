import type { Kysely } from "kysely";
import type { DatabaseSchema, SqlDialect } from "../db/index.js";

/**
 * What the DDL planner and the statement builders it calls need: a Kysely instance
 * to build SQL with, and the dialect. A file of its own so the builders need not
 * import the planner that imports them.
 */
export interface PlannerContext {
	kysely: Kysely<DatabaseSchema>;
	dialect: SqlDialect;
}
