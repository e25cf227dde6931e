import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { CollectionRegistry } from "../collections/index.js";
import type { Executor, SqlDialect } from "../db/index.js";
import type { FieldError } from "../errors/index.js";
import type { Collection, Field } from "../model/index.js";
import { isMultiValue } from "../model/index.js";

type RelationField = Extract<Field, { type: "relation" }>;

/**
 * Finds relation values that point at no record, so a write can refuse them with a
 * 422 naming the field. Single relations have a foreign key too; lists of ids do
 * not, and a clear field error beats a bare constraint failure for both.
 */
export async function findBrokenRelations(
	db: Executor,
	collection: Collection,
	values: Record<string, unknown>,
	registry: CollectionRegistry,
	selfId: string,
): Promise<Record<string, FieldError>> {
	const errors: Record<string, FieldError> = {};
	for (const field of collection.fields) {
		if (field.type !== "relation" || !(field.name in values)) continue;
		const raw = values[field.name];
		const ids = [
			...new Set(
				Array.isArray(raw)
					? (raw as string[])
					: typeof raw === "string"
						? [raw]
						: [],
			),
		];
		const wanted = ids.filter(
			(id) => !(field.collection === collection.name && id === selfId),
		);
		if (wanted.length === 0) continue;
		const target = registry.get(field.collection);
		const found = await sql<{
			id: string;
		}>`SELECT id FROM ${sql.table(target.name)} WHERE id IN (${sql.join(wanted)})`.execute(
			db,
		);
		if (found.rows.length < wanted.length) {
			const present = new Set(found.rows.map((r) => r.id));
			const missing = wanted.filter((id) => !present.has(id));
			errors[field.name] = {
				code: "RELATION_NOT_FOUND",
				message: `no "${target.name}" record ${missing.slice(0, 3).join(", ")}`,
			};
		}
	}
	return errors;
}

/**
 * After records are deleted, removes their ids from list relations that point at them,
 * or deletes the referring records where the field has cascadeDelete (single relations
 * are handled by their foreign keys). Runs in the delete's transaction.
 */
export async function releaseReferences(
	db: Executor,
	target: Collection,
	ids: string[],
	registry: CollectionRegistry,
	dialect: SqlDialect,
	now: string,
	depth = 0,
): Promise<void> {
	if (ids.length === 0 || depth > 16) return;
	for (const collection of registry.list()) {
		for (const field of collection.fields) {
			if (
				field.type !== "relation" ||
				field.collection !== target.name ||
				!isMultiValue(field)
			)
				continue;
			await releaseField(db, {
				collection,
				field,
				target,
				ids,
				registry,
				dialect,
				now,
				depth,
			});
		}
	}
}

interface ReleaseJob {
	collection: Collection;
	field: RelationField;
	target: Collection;
	ids: string[];
	registry: CollectionRegistry;
	dialect: SqlDialect;
	now: string;
	depth: number;
}

async function releaseField(db: Executor, job: ReleaseJob): Promise<void> {
	const { collection, field, dialect } = job;
	const table = sql.table(collection.name);
	const column = sql.ref(field.name);
	const refers: RawBuilder<SqlBool> = sql<SqlBool>`EXISTS (SELECT 1 FROM ${dialect.jsonArrayElements(column, "e")} WHERE e.value IN (${sql.join(job.ids)}))`;
	if (field.cascadeDelete) {
		const doomed = await sql<{
			id: string;
		}>`DELETE FROM ${table} WHERE ${refers} RETURNING id`.execute(db);
		const doomedIds = doomed.rows.map((r) => r.id);
		await releaseReferences(
			db,
			collection,
			doomedIds,
			job.registry,
			dialect,
			job.now,
			job.depth + 1,
		);
		return;
	}
	await sql`UPDATE ${table} SET ${column} = ${dialect.jsonArrayWithout(column, job.ids)}, updated = ${job.now} WHERE ${refers}`.execute(
		db,
	);
}
