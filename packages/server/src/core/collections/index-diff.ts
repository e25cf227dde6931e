import type { CollectionDefinition, IndexDefinition } from "../model/index.js";
import { createIndex } from "./ddl-statements.js";
import type { PlannerContext } from "./planner-context.js";

function indexChanged(a: IndexDefinition, b: IndexDefinition): boolean {
	return (
		a.unique !== b.unique || a.fields.join("\u0000") !== b.fields.join("\u0000")
	);
}

/** Builds DROP INDEX for every index that is gone or whose columns or uniqueness changed. */
export function dropIndexes(
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

/** Builds CREATE INDEX for every index that is new or whose columns or uniqueness changed. */
export function createIndexes(
	before: CollectionDefinition,
	after: CollectionDefinition,
	ctx: PlannerContext,
) {
	return after.indexes
		.filter((ix) => {
			const old = before.indexes.find((o) => o.name === ix.name);
			return !old || indexChanged(renamedIndex(old, before, after), ix);
		})
		.map((ix) => createIndex(after.name, ix, after.fields, ctx));
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
