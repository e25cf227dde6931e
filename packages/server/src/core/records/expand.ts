import { sql } from "kysely";
import { FilterSyntaxError, parseFieldList } from "../../tools/filter/index.js";
import { recordScope, requireScope } from "../auth/index.js";
import { AppError } from "../errors/index.js";
import type { Collection, Field } from "../model/index.js";
import { findField, isMultiValue } from "../model/index.js";
import { createAliasSource } from "../query/index.js";
import { allOf, type RecordContext, ruleCondition } from "./read-context.js";
import type { RecordData } from "./record-codec.js";
import { isNameable, privacyFor } from "./record-privacy.js";

/** A tree of relation fields to expand: `author.team,tags` → { author: { team: {} }, tags: {} }. */
export interface ExpandTree {
	[field: string]: ExpandTree;
}

const MAX_DEPTH = 6;
const ID_CHUNK = 500;

/**
 * Parses `expand` and checks every step is a relation of the collection it starts
 * from, before any query runs. Throws INVALID_EXPAND (400), or INSUFFICIENT_SCOPE
 * (403) when an API key or client token may not read a collection it expands into:
 * refused rather than left out, so a client learns which scope it lacks.
 */
export function parseExpand(
	source: string | undefined,
	collection: Collection,
	ctx: RecordContext,
): ExpandTree {
	const tree: ExpandTree = {};
	if (source === undefined || source.trim() === "") return tree;
	let paths: string[][];
	try {
		paths = parseFieldList(source);
	} catch (err: unknown) {
		if (err instanceof FilterSyntaxError) throw invalidExpand(err.message);
		throw err;
	}
	for (const path of paths) {
		if (path.length > MAX_DEPTH)
			throw invalidExpand(
				`"${path.join(".")}" is deeper than ${MAX_DEPTH} relations`,
			);
		let node = tree;
		let current = collection;
		for (const name of path) {
			const found = findField(current, name);
			const field =
				found && isNameable(found, ctx.scope.request.caller)
					? found
					: undefined;
			if (field?.type !== "relation")
				throw invalidExpand(
					`"${name}" is not a relation field of "${current.name}"`,
				);
			current = ctx.registry.get(field.collection);
			requireScope(ctx.scope.request.caller, recordScope("read", current.name));
			node[name] ??= {};
			node = node[name] as ExpandTree;
		}
	}
	return tree;
}

function invalidExpand(detail: string): AppError {
	return new AppError("INVALID_EXPAND", { detail });
}

/** Whether `tree` names no relation: most reads expand nothing. */
export function expandsNothing(tree: ExpandTree): boolean {
	for (const _ in tree) return false;
	return true;
}

/**
 * Loads related records into `record.expand.<field>`: one query per relation field per
 * level for all records together, never one per record. Related records the caller
 * may not view are left out, exactly as a direct view would hide them.
 */
export async function expandRecords(
	records: RecordData[],
	collection: Collection,
	tree: ExpandTree,
	ctx: RecordContext,
): Promise<void> {
	for (const [name, subtree] of Object.entries(tree)) {
		const field = findField(collection, name) as Extract<
			Field,
			{ type: "relation" }
		>;
		const target = ctx.registry.get(field.collection);
		const ids = new Set<string>();
		for (const record of records)
			for (const id of idsOf(record[name])) ids.add(id);
		const related = await loadVisible(target, [...ids], ctx);
		if (!expandsNothing(subtree))
			await expandRecords([...related.values()], target, subtree, ctx);
		for (const record of records) {
			record.expand ??= {};
			const expand = record.expand as Record<string, unknown>;
			const value = record[name];
			if (isMultiValue(field)) {
				expand[name] = idsOf(value)
					.map((id) => related.get(id))
					.filter(Boolean);
			} else if (typeof value === "string" && related.has(value)) {
				expand[name] = related.get(value);
			}
		}
	}
}

function idsOf(value: unknown): string[] {
	if (typeof value === "string" && value !== "") return [value];
	if (Array.isArray(value))
		return value.filter((v): v is string => typeof v === "string");
	return [];
}

async function loadVisible(
	target: Collection,
	ids: string[],
	ctx: RecordContext,
): Promise<Map<string, RecordData>> {
	const found = new Map<string, RecordData>();
	const caller = ctx.scope.request.caller;
	if (
		ids.length === 0 ||
		(target.rules.view === null && caller.kind !== "superuser")
	)
		return found;
	const { codec } = ctx.runtimeOf(target);
	const privacy = privacyFor(target, ctx.scope.request.caller);
	for (let i = 0; i < ids.length; i += ID_CHUNK) {
		const chunk = ids.slice(i, i + ID_CHUNK);
		const rule = ruleCondition(target, "view", "r", createAliasSource(), ctx);
		const where = allOf([sql`r.id IN (${sql.join(chunk)})`, rule]);
		const rows = await ctx.read(
			sql`SELECT r.* FROM ${sql.table(target.name)} AS r WHERE ${where}`.compile(
				ctx.db,
			),
		);
		for (const row of rows) {
			const record = privacy(codec.decode(row));
			found.set(record.id, record);
		}
	}
	return found;
}
