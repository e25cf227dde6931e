import {
	type CompiledQuery,
	type CreateTableBuilder,
	type Kysely,
	type RawBuilder,
	sql,
} from "kysely";
import type { DatabaseSchema, SqlDialect } from "../db/index.js";
import type {
	CollectionDefinition,
	Field,
	IndexDefinition,
} from "./collection-definition.js";
import { planConversion } from "./column-conversion.js";
import {
	type ColumnShape,
	columnShape,
	sameColumnShape,
} from "./field-storage.js";

/** What planMigration needs: a Kysely instance to build SQL with, and the dialect. */
export interface PlannerContext {
	kysely: Kysely<DatabaseSchema>;
	dialect: SqlDialect;
}

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

const SYSTEM_COLUMNS = (ctx: PlannerContext) => {
	const ts = sql.raw(ctx.dialect.columnType("timestamp"));
	return (b: CreateTableBuilder<string, never>) =>
		b
			.addColumn("id", "text", (c) => c.primaryKey().notNull())
			.addColumn("created", ts, (c) => c.notNull())
			.addColumn("updated", ts, (c) => c.notNull());
};

/** Plans CREATE TABLE and CREATE INDEX for a new collection. */
export function planCreate(
	after: CollectionDefinition,
	ctx: PlannerContext,
): CompiledQuery[] {
	return [
		createTable(after.name, after, ctx),
		...after.indexes.map((ix) => createIndex(after.name, ix, ctx)),
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
		return old !== undefined && !sameColumnShape(old, f);
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

function createTable(
	name: string,
	def: CollectionDefinition,
	ctx: PlannerContext,
): CompiledQuery {
	let builder = SYSTEM_COLUMNS(ctx)(
		ctx.kysely.schema.createTable(name) as CreateTableBuilder<string, never>,
	);
	for (const field of def.fields) {
		const shape = columnShape(field);
		builder = builder.addColumn(
			field.name,
			sql.raw(ctx.dialect.columnType(shape.kind)),
		);
		if (shape.foreignKey) {
			const fk = shape.foreignKey;
			builder = builder.addForeignKeyConstraint(
				foreignKeyName(def, field),
				[field.name as never],
				fk.table,
				["id"],
				(c) => c.onDelete(fk.onDelete),
			);
		}
	}
	return builder.compile();
}

/** FK constraints are named after the field id, so a renamed field keeps its constraint. */
function foreignKeyName(def: CollectionDefinition, field: Field): string {
	return `${def.id.slice(-12).replaceAll("-", "")}_${field.id}_fkey`;
}

function createIndex(
	table: string,
	index: IndexDefinition,
	ctx: PlannerContext,
): CompiledQuery {
	let builder = ctx.kysely.schema
		.createIndex(index.name)
		.on(table)
		.columns(index.fields);
	if (index.unique) builder = builder.unique();
	return builder.compile();
}

function indexChanged(a: IndexDefinition, b: IndexDefinition): boolean {
	return (
		a.unique !== b.unique || a.fields.join("\u0000") !== b.fields.join("\u0000")
	);
}

function dropIndexes(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	return before.indexes
		.filter((old) => {
			const kept = after.indexes.find((ix) => ix.name === old.name);
			return !kept || indexChanged(renamedIndex(old, before, after), kept);
		})
		.map((old) => ctx.kysely.schema.dropIndex(old.name).compile());
}

function createIndexes(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	return after.indexes
		.filter((ix) => {
			const old = before.indexes.find((o) => o.name === ix.name);
			return !old || indexChanged(renamedIndex(old, before, after), ix);
		})
		.map((ix) => createIndex(after.name, ix, ctx));
}

/** An old index with its field names translated to the new names (renames follow ids). */
function renamedIndex(
	index: IndexDefinition,
	before: CollectionDefinition,
	after: CollectionDefinition,
) {
	const rename = (name: string) => {
		const id = before.fields.find((f) => f.name === name)?.id;
		return after.fields.find((f) => f.id === id)?.name ?? name;
	};
	return { ...index, fields: index.fields.map(rename) };
}

function renameColumns(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	const renames = after.fields.flatMap((field) => {
		const old = before.fields.find((o) => o.id === field.id);
		return old && old.name !== field.name
			? [{ from: old.name, to: field.name, temp: `_old_${field.id}` }]
			: [];
	});
	// Swapped names (a→b, b→a) collide half-way: go through temporary names then.
	const kept = new Set(
		before.fields
			.filter((f) => after.fields.some((n) => n.id === f.id))
			.map((f) => f.name.toLowerCase()),
	);
	const collides = renames.some(
		(r) =>
			kept.has(r.to.toLowerCase()) &&
			r.to.toLowerCase() !== r.from.toLowerCase(),
	);
	const steps = collides
		? [
				...renames.map((r) => ({ from: r.from, to: r.temp })),
				...renames.map((r) => ({ from: r.temp, to: r.to })),
			]
		: renames;
	return steps.map((r) =>
		ctx.kysely.schema
			.alterTable(after.name)
			.renameColumn(r.from, r.to)
			.compile(),
	);
}

function addColumn(
	def: CollectionDefinition,
	field: Field,
	ctx: PlannerContext,
): CompiledQuery[] {
	const shape = columnShape(field);
	const type = sql.raw(ctx.dialect.columnType(shape.kind));
	const fk = shape.foreignKey;
	const add = ctx.kysely.schema.alterTable(def.name);
	if (!fk || !ctx.dialect.canAlterColumns) {
		return [
			add
				.addColumn(field.name, type, (c) =>
					fk ? c.references(`${fk.table}.id`).onDelete(fk.onDelete) : c,
				)
				.compile(),
		];
	}
	// Named like createTable's, so alterColumn can find it later (SQLite rebuilds instead).
	const name = sql.id(foreignKeyName(def, field));
	return [
		add.addColumn(field.name, type).compile(),
		addForeignKey(def.name, field, shape, name, ctx),
	];
}

/** PostgreSQL only: change a column's type in place, converting with USING. */
function alterColumn(
	table: string,
	before: CollectionDefinition,
	field: Field,
	ctx: PlannerContext,
) {
	const old = before.fields.find((o) => o.id === field.id) as Field;
	const conversion = planConversion(old, field, ctx.dialect);
	if (!conversion.ok) return [];
	const oldShape = columnShape(old);
	const newShape = columnShape(field);
	const out: CompiledQuery[] = [];
	const fkName = sql.id(foreignKeyName(before, field));
	if (oldShape.foreignKey) {
		out.push(
			sql`ALTER TABLE ${sql.table(table)} DROP CONSTRAINT IF EXISTS ${fkName}`.compile(
				ctx.kysely,
			),
		);
	}
	if (oldShape.kind !== newShape.kind) {
		const type = sql.raw(ctx.dialect.columnType(newShape.kind));
		const using = conversion.convert(sql.ref(field.name));
		out.push(
			sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN ${sql.ref(field.name)} TYPE ${type} USING ${using}`.compile(
				ctx.kysely,
			),
		);
	}
	if (newShape.foreignKey)
		out.push(addForeignKey(table, field, newShape, fkName, ctx));
	return out;
}

function addForeignKey(
	table: string,
	field: Field,
	shape: ColumnShape,
	name: RawBuilder<unknown>,
	ctx: PlannerContext,
) {
	const fk = shape.foreignKey as NonNullable<ColumnShape["foreignKey"]>;
	const action = sql.raw(fk.onDelete.toUpperCase());
	return sql`ALTER TABLE ${sql.table(table)} ADD CONSTRAINT ${name} FOREIGN KEY (${sql.ref(field.name)}) REFERENCES ${sql.table(fk.table)} (id) ON DELETE ${action}`.compile(
		ctx.kysely,
	);
}

/**
 * SQLite's twelve-step table change (sqlite.org/lang_altertable.html#otheralter): build
 * the new table, copy every row with converted values, drop the old, rename the new,
 * build the indexes. The caller runs it in one transaction with foreign keys off and
 * checks them before commit.
 */
function rebuildTable(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	const temp = `_new_${after.name}`;
	const columns: string[] = ["id", "created", "updated"];
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
		...after.indexes.map((ix) => createIndex(after.name, ix, ctx)),
	];
}

/** Builds the query for the check PRAGMA that must come back empty after a rebuild. */
export function foreignKeyCheck(
	table: string,
	ctx: PlannerContext,
): CompiledQuery {
	return sql`PRAGMA foreign_key_check(${sql.lit(table)})`.compile(ctx.kysely);
}
