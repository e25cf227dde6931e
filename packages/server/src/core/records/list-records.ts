import { CompiledQuery, type RawBuilder, type SqlBool, sql } from "kysely";
import { FilterSyntaxError, parseFieldList } from "../../tools/filter/index.js";
import { AppError } from "../errors/index.js";
import type { Collection } from "../model/index.js";
import {
	type Caller,
	findField,
	isSuperuser,
	systemColumns,
} from "../model/index.js";
import { compileFilter, createAliasSource } from "../query/index.js";
import { afterCursor, decodeCursor, encodeCursor } from "./cursor.js";
import { expandRecords, expandsNothing, parseExpand } from "./expand.js";
import {
	allOf,
	assertRuleOpen,
	assertScoped,
	type RecordContext,
	ruleCondition,
} from "./read-context.js";
import type { RecordData } from "./record-codec.js";
import { isNameable, privacyFor } from "./record-privacy.js";
import { orderByTerms, resolveSort } from "./sort-order.js";

/** The query parameters of a list (docs/api.md#list-parameters), parsed into types. */
export interface ListOptions {
	filter?: string | undefined;
	sort?: string | undefined;
	page: number;
	perPage: number;
	/** undefined: page mode; "": start a cursor walk; else continue one. */
	cursor?: string | undefined;
	fields?: string | undefined;
	expand?: string | undefined;
	skipTotal: boolean;
}

/** A page of records with totals, or (cursor walks) the next cursor. */
export type ListResult =
	| {
			items: RecordData[];
			page: number;
			perPage: number;
			totalItems: number;
			totalPages: number;
	  }
	| {
			items: RecordData[];
			page: number;
			perPage: number;
			totalItems: -1;
			totalPages: -1;
	  }
	| { items: RecordData[]; nextCursor: string | null };

/** Options of a single-record read. */
export interface ViewOptions {
	fields?: string | undefined;
	expand?: string | undefined;
}

/**
 * Lists records: the list rule and the filter compile into one WHERE clause, the
 * order always ends in `id` so pages and cursors are stable, and `expand` loads
 * relations in batches.
 */
export async function listRecords(
	collection: Collection,
	options: ListOptions,
	ctx: RecordContext,
): Promise<ListResult> {
	assertScoped(collection, "list", ctx);
	assertRuleOpen(collection, "list", ctx);
	const query = compileListQuery(collection, options, ctx);
	const tree = parseExpand(options.expand, collection, ctx);
	const project = projection(
		options.fields,
		collection,
		ctx.scope.request.caller,
	);
	const { sort, walking } = query;
	const rows = await ctx.read(query.page);
	const { codec } = ctx.runtimeOf(collection);
	const privacy = privacyFor(collection, ctx.scope.request.caller);
	const records = rows
		.slice(0, options.perPage)
		.map((row) => privacy(codec.decode(row)));
	// Skipped, not called, when there is nothing to expand: an await costs a promise.
	if (!expandsNothing(tree))
		await expandRecords(records, collection, tree, ctx);
	const items = records.map(project);
	if (walking) {
		const last = records.at(-1);
		const more = rows.length > options.perPage && last !== undefined;
		return { items, nextCursor: more ? encodeCursor(sort, last) : null };
	}
	const base = { items, page: options.page, perPage: options.perPage };
	if (options.skipTotal) return { ...base, totalItems: -1, totalPages: -1 };
	const counted = await ctx.read<{ n: number }>(query.count());
	const totalItems = Number(counted[0]?.n ?? 0);
	return {
		...base,
		totalItems,
		totalPages: Math.ceil(totalItems / options.perPage),
	};
}

/** The statements of a list, compiled but not run: the page, and the total. */
export interface ListQuery {
	page: CompiledQuery;
	count(): CompiledQuery;
	sort: ReturnType<typeof resolveSort>;
	/** A cursor walk (no totals, one row more to know if there is a next page). */
	walking: boolean;
}

/**
 * Compiles the statement a list runs: the list rule and the filter in one WHERE
 * clause, the order ending in `id`. The explain endpoint plans exactly this. Access
 * (scopes, a closed list rule) is the caller's to check: a list checks the record
 * scope, the explain endpoint `collections:read`, since it reads no record.
 */
export function compileListQuery(
	collection: Collection,
	options: ListOptions,
	ctx: RecordContext,
): ListQuery {
	const aliases = createAliasSource();
	const target = { collection, alias: "r", aliases };
	const filter = options.filter?.trim()
		? compileFilter(ctx.scope.parse(options.filter), target, ctx.scope)
		: undefined;
	const rule = ruleCondition(collection, "list", "r", aliases, ctx);
	const sort = resolveSort(
		options.sort,
		collection,
		ctx.scope.request.caller.kind === "superuser",
	);
	const table = sql.table(collection.name);
	const order = sql.join(orderByTerms(sort, "r", ctx.scope.dialect));
	const walking = options.cursor !== undefined;
	const keyset: RawBuilder<SqlBool> | undefined =
		walking && options.cursor !== ""
			? afterCursor(
					sort,
					decodeCursor(options.cursor as string, sort),
					"r",
					ctx.scope.dialect,
				)
			: undefined;
	const where = allOf([rule, filter, keyset]);
	const limit = walking ? options.perPage + 1 : options.perPage;
	const offset = walking ? 0 : (options.page - 1) * options.perPage;
	return {
		page: sql`SELECT r.* FROM ${table} AS r WHERE ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`.compile(
			ctx.db,
		),
		count: () =>
			sql`SELECT count(*) AS n FROM ${table} AS r WHERE ${allOf([rule, filter])}`.compile(
				ctx.db,
			),
		sort,
		walking,
	};
}

/** Reads one record the caller may view, or throws RECORD_NOT_FOUND (404). */
export async function viewRecord(
	collection: Collection,
	id: string,
	options: ViewOptions,
	ctx: RecordContext,
) {
	assertScoped(collection, "view", ctx);
	assertRuleOpen(collection, "view", ctx);
	const tree = parseExpand(options.expand, collection, ctx);
	const project = projection(
		options.fields,
		collection,
		ctx.scope.request.caller,
	);
	const runtime = ctx.runtimeOf(collection);
	// Without a rule to compile the statement is the same for every caller: reuse it.
	// With one, it is compiled once per caller (and schema), not once per request.
	const ruled =
		!isSuperuser(ctx.scope.request.caller) && collection.rules.view !== "";
	const query = !ruled
		? CompiledQuery.raw(runtime.viewSql, [id])
		: ctx.viewQueries.queryFor(collection, id, ctx, () => {
				const rule = ruleCondition(
					collection,
					"view",
					"r",
					createAliasSource(),
					ctx,
				);
				return sql`SELECT r.* FROM ${sql.table(collection.name)} AS r WHERE ${allOf([sql<SqlBool>`r.id = ${id}`, rule])} LIMIT 1`.compile(
					ctx.db,
				);
			});
	const [row] = await ctx.read(query);
	if (!row) throw recordNotFound(collection, id);
	const record = privacyFor(
		collection,
		ctx.scope.request.caller,
	)(runtime.codec.decode(row));
	if (!expandsNothing(tree))
		await expandRecords([record], collection, tree, ctx);
	return project(record);
}

/** The 404 for a record that is missing or that rules hide (docs/filters.md#rules). */
export function recordNotFound(collection: Collection, id: string): AppError {
	return new AppError("RECORD_NOT_FOUND", {
		detail: `No record "${id.slice(0, 64)}" in "${collection.name}".`,
	});
}

/**
 * Parses `fields` into a function that keeps only those members of a record. `expand`
 * is kept when listed (or when no list is given).
 */
function projection(
	source: string | undefined,
	collection: Collection,
	caller: Caller,
): (r: RecordData) => RecordData {
	if (source === undefined || source.trim() === "") return (r) => r;
	let paths: string[][];
	try {
		paths = parseFieldList(source);
	} catch (err: unknown) {
		if (err instanceof FilterSyntaxError)
			throw new AppError("INVALID_QUERY", { detail: `fields: ${err.message}` });
		throw err;
	}
	const names = paths.map((p) => p.join("."));
	for (const name of names) {
		const field = findField(collection, name);
		const known =
			(systemColumns as readonly string[]).includes(name) ||
			name === "expand" ||
			(field && isNameable(field, caller));
		if (!known)
			throw new AppError("INVALID_QUERY", {
				detail: `fields: unknown field "${name}"`,
			});
	}
	return (record) => {
		const out: Record<string, unknown> = {};
		for (const name of names)
			if (record[name] !== undefined) out[name] = record[name];
		return out as RecordData;
	};
}
