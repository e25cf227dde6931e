import { type CompiledQuery, sql } from "kysely";
import type { CollectionDefinition, Field } from "../model/index.js";
import { planConversion } from "./column-conversion.js";
import {
	addColumn,
	alterColumn,
	createIndex,
	createTable,
	renameColumns,
} from "./ddl-statements.js";
import { sameColumnShape } from "./field-storage.js";
import { createIndexes, dropIndexes } from "./index-diff.js";
import type { PlannerContext } from "./planner-context.js";
import { rebuildTable } from "./table-rebuild.js";

/** A query that must return no rows, or the change is refused with the reason. */
export interface DataCheck {
	field: string;
	reason: string;
	query: CompiledQuery;
}

/** The statements that take a table from one definition to the next. */
export interface MigrationPlan {
	/** Refused changes by field path; when non-empty nothing may run. */
	refusals: Record<string, string>;
	checks: DataCheck[];
	statements: CompiledQuery[];
	/** SQLite table rebuilds must run with foreign key enforcement off (sqlite.org/lang_altertable.html). */
	foreignKeysOff: boolean;
}

/** Plans CREATE TABLE and CREATE INDEX for a new collection. */
export function planCreate(
	after: CollectionDefinition,
	ctx: PlannerContext,
): CompiledQuery[] {
	return [
		createTable(after.name, after, ctx),
		...after.indexes.map((ix) =>
			createIndex(after.name, ix, after.fields, ctx),
		),
	];
}

/** Plans DROP TABLE for a deleted collection (its indexes go with it). */
export function planDrop(
	collection: CollectionDefinition,
	ctx: PlannerContext,
): CompiledQuery[] {
	return [ctx.kysely.schema.dropTable(collection.name).compile()];
}

/**
 * Plans the change from one definition to the next, matching fields by id: a kept id
 * with a new name is a rename, a missing id a drop, a new field an add. PostgreSQL
 * alters in place; SQLite rebuilds the table when ALTER TABLE cannot do the change.
 */
export function planMigration(
	original: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	const before = followSelfRename(original, after.name);
	const plan: MigrationPlan = {
		refusals: {},
		checks: [],
		statements: [],
		foreignKeysOff: false,
	};
	const table = after.name;
	const changed = after.fields.filter((f) => {
		const old = before.fields.find((o) => o.id === f.id);
		// Becoming html or encrypted (or no longer encrypted) keeps the column but not
		// its meaning: planConversion refuses those.
		return (
			old !== undefined &&
			(!sameColumnShape(old, f) ||
				(f.type === "html" && old.type !== "html") ||
				storedAsCiphertext(f) !== storedAsCiphertext(old))
		);
	});
	for (const field of changed) {
		const old = before.fields.find((o) => o.id === field.id) as Field;
		const conversion = planConversion(old, field, ctx.dialect);
		if (!conversion.ok) plan.refusals[field.name] = conversion.reason;
		else if (conversion.blocker) {
			const where = conversion.blocker.where(sql.ref(old.name));
			const query = ctx.kysely
				.selectFrom(before.name)
				.select(sql<number>`1`.as("x"))
				.where(where)
				.limit(1)
				.compile();
			plan.checks.push({
				field: field.name,
				reason: conversion.blocker.reason,
				query,
			});
		}
	}
	if (Object.keys(plan.refusals).length > 0) return plan;
	if (before.name !== after.name)
		plan.statements.push(
			ctx.kysely.schema.alterTable(before.name).renameTo(table).compile(),
		);
	const dropped = before.fields.filter(
		(f) => !after.fields.some((n) => n.id === f.id),
	);
	const needsRebuild =
		!ctx.dialect.canAlterColumns && (changed.length > 0 || dropped.length > 0);
	if (needsRebuild) {
		plan.foreignKeysOff = true;
		plan.statements.push(...rebuildTable(before, after, ctx));
		return plan;
	}
	plan.statements.push(...dropIndexes(before, after, ctx));
	for (const field of dropped)
		plan.statements.push(
			ctx.kysely.schema.alterTable(table).dropColumn(field.name).compile(),
		);
	plan.statements.push(...renameColumns(before, after, ctx));
	for (const field of changed)
		plan.statements.push(...alterColumn(table, before, field, ctx));
	for (const field of after.fields.filter(
		(f) => !before.fields.some((o) => o.id === f.id),
	)) {
		plan.statements.push(...addColumn(after, field, ctx));
	}
	plan.statements.push(...createIndexes(before, after, ctx));
	return plan;
}

/** How an encrypted field's values are stored: with a blind index or without. */
function storedAsCiphertext(field: Field): string | undefined {
	if (field.type !== "encrypted") return undefined;
	return field.searchable ? "searchable" : "sealed";
}

/**
 * A self relation follows its collection's rename (the table rename carries its
 * foreign key along), so it is compared as already pointing at the new name.
 */
function followSelfRename(
	before: CollectionDefinition,
	newName: string,
): CollectionDefinition {
	if (before.name === newName) return before;
	const fields = before.fields.map((f) =>
		f.type === "relation" && f.collection === before.name
			? { ...f, collection: newName }
			: f,
	);
	return { ...before, fields };
}
