import { type CompiledQuery, type RawBuilder, sql } from "kysely";
import { authColumns, type CollectionDefinition } from "../model/index.js";
import { planConversion } from "./column-conversion.js";
import { createIndex, createTable } from "./ddl-statements.js";
import type { PlannerContext } from "./planner-context.js";

/**
 * Builds the statements that rebuild a SQLite table into its new definition.
 *
 * SQLite's twelve-step table change (sqlite.org/lang_altertable.html#otheralter): build
 * the new table, copy every row with converted values, drop the old, rename the new,
 * build the indexes. The caller runs it in one transaction with foreign keys off and
 * checks them before commit.
 */
export function rebuildTable(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	const temp = `_new_${after.name}`;
	const columns: string[] = [
		"id",
		"created",
		"updated",
		...(after.type === "auth" ? authColumns : []),
	];
	const values: RawBuilder<unknown>[] = columns.map((c) => sql.ref(c));
	for (const field of after.fields) {
		const old = before.fields.find((o) => o.id === field.id);
		if (!old) continue;
		const conversion = planConversion(old, field, ctx.dialect);
		columns.push(field.name);
		values.push(
			conversion.ok ? conversion.convert(sql.ref(old.name)) : sql`NULL`,
		);
	}
	const source = after.name; // already renamed, when the collection itself was
	return [
		createTable(temp, after, ctx),
		sql`INSERT INTO ${sql.table(temp)} (${sql.join(columns.map((c) => sql.ref(c)))}) SELECT ${sql.join(values)} FROM ${sql.table(source)}`.compile(
			ctx.kysely,
		),
		ctx.kysely.schema.dropTable(source).compile(),
		ctx.kysely.schema.alterTable(temp).renameTo(after.name).compile(),
		...after.indexes.map((ix) =>
			createIndex(after.name, ix, after.fields, ctx),
		),
	];
}

/** Builds the query for the check PRAGMA that must come back empty after a rebuild. */
export function foreignKeyCheck(
	table: string,
	ctx: PlannerContext,
): CompiledQuery {
	return sql`PRAGMA foreign_key_check(${sql.lit(table)})`.compile(ctx.kysely);
}
