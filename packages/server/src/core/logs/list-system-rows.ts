import { type RawBuilder, type SqlBool, sql } from "kysely";
import {
	type FilterExpression,
	type Operand,
	parseSort,
} from "../../tools/filter/index.js";
import type { Clock } from "../../tools/time/index.js";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";
import type { Caller, Collection, Field, FieldType } from "../model/index.js";
import {
	compileFilter,
	createAliasSource,
	type FilterParser,
	invalidFilter,
} from "../query/index.js";
import { orderByTerms, resolveSort } from "../records/index.js";

/** One column of a system table as the API names it, and its filter type. */
export interface SystemColumn {
	/** The name in filters, sorts and answers (camelCase). */
	name: string;
	/** The column in the table (snake_case). */
	column: string;
	type: Extract<FieldType, "text" | "number">;
}

/** A system table listed with the records filter language. */
export interface SystemTable {
	table: string;
	/** Every column besides `id` and `created`, which every system table has. */
	columns: readonly SystemColumn[];
}

/** The list parameters a system list accepts (records' minus cursor, fields, expand). */
export interface SystemListOptions {
	filter?: string | undefined;
	sort?: string | undefined;
	page: number;
	perPage: number;
	skipTotal: boolean;
}

/** A page of rows under their API names. */
export interface SystemPage {
	items: Record<string, unknown>[];
	page: number;
	perPage: number;
	totalItems: number;
	totalPages: number;
}

/** Lists a page of a system table (request log, audit trail) with the records' filter and sort. */
export type SystemLister = (
	spec: SystemTable,
	options: SystemListOptions,
	caller: Caller,
) => Promise<SystemPage>;

/**
 * Lists a system table (request log, audit trail) with the SAME filter and sort
 * language as records: the table is presented to the filter compiler as a collection
 * whose fields are its columns, read through a subquery that renames them, so errors
 * (unknown field, bad syntax) are the records' own 400s.
 */
export function createSystemLister(deps: {
	db: Database;
	parseFilter: FilterParser;
	clock: Clock;
}): SystemLister {
	return async function list(
		spec: SystemTable,
		options: SystemListOptions,
		caller: Caller,
	): Promise<SystemPage> {
		const collection = collectionOf(spec);
		const scope = {
			dialect: deps.db.dialect,
			collections: () => undefined,
			request: { caller, method: "GET", body: {} },
			now: deps.clock().toISOString(),
			applyViewRules: false,
			parse: deps.parseFilter,
		};
		const filter = options.filter?.trim()
			? deps.parseFilter(options.filter)
			: undefined;
		if (filter) refuseUpdatedInFilter(filter);
		const where: RawBuilder<SqlBool> = filter
			? compileFilter(
					filter,
					{ collection, alias: "r", aliases: createAliasSource() },
					scope,
				)
			: sql<SqlBool>`1 = 1`;
		const sortSource = options.sort?.trim() || "-created,-id";
		const sort = resolveSort(sortSource, collection, true);
		if (sort.some((c) => c.name === "updated")) refuseUpdatedInSort(sortSource);
		const order = sql.join(orderByTerms(sort, "r", deps.db.dialect));
		const source = sql`(SELECT ${sql.join([
			sql.ref("id"),
			sql.ref("created"),
			...spec.columns.map(
				(c) => sql`${sql.ref(c.column)} AS ${sql.id(c.name)}`,
			),
		])} FROM ${sql.table(spec.table)})`;
		const offset = (options.page - 1) * options.perPage;
		const rows = await deps.db.read<Record<string, unknown>>(
			sql`SELECT r.* FROM ${source} AS r WHERE ${where} ORDER BY ${order} LIMIT ${options.perPage} OFFSET ${offset}`.compile(
				deps.db.kysely,
			),
		);
		const items = rows.map((row) => present(row, spec, deps.db));
		const base = { items, page: options.page, perPage: options.perPage };
		if (options.skipTotal) return { ...base, totalItems: -1, totalPages: -1 };
		const [count] = await deps.db.read<{ n: unknown }>(
			sql`SELECT count(*) AS n FROM ${source} AS r WHERE ${where}`.compile(
				deps.db.kysely,
			),
		);
		const totalItems = Number(count?.n ?? 0);
		return {
			...base,
			totalItems,
			totalPages: Math.ceil(totalItems / options.perPage),
		};
	};
}

/*
 * A system table has `id` and `created` but no `updated`, which the filter compiler and
 * the sort resolver take for a column of every collection: naming it must be the 400
 * of an unknown field, not a query the database refuses (a 500).
 */

function refuseUpdatedInFilter(expression: FilterExpression): void {
	if (expression.kind === "logical") {
		for (const item of expression.items) refuseUpdatedInFilter(item);
		return;
	}
	for (const operand of [expression.left, expression.right])
		if (namesUpdated(operand))
			throw invalidFilter('unknown field "updated"', operand.pos);
}

function namesUpdated(operand: Operand): boolean {
	return operand.kind === "field" && operand.path[0] === "updated";
}

function refuseUpdatedInSort(source: string): never {
	const key = parseSort(source).find((k) => k.path[0] === "updated");
	throw new AppError("INVALID_SORT", {
		detail: 'unknown field "updated"',
		extensions: { position: key?.pos ?? 0 },
	});
}

function present(
	row: Record<string, unknown>,
	spec: SystemTable,
	db: Database,
): Record<string, unknown> {
	const out: Record<string, unknown> = {
		id: row.id,
		created: db.dialect.decode("timestamp", row.created),
	};
	for (const c of spec.columns) {
		const value = row[c.name];
		out[c.name] =
			c.type === "number" && value !== null && value !== undefined
				? Number(value)
				: (value ?? null);
	}
	return out;
}

/** The table as a read-only collection: fields are its columns, no rules apply. */
function collectionOf(spec: SystemTable): Collection {
	const fields = spec.columns.map(
		(c): Field =>
			c.type === "number"
				? {
						id: c.name,
						name: c.name,
						type: "number",
						integer: false,
						required: false,
						hidden: false,
						readonly: true,
					}
				: {
						id: c.name,
						name: c.name,
						type: "text",
						required: false,
						hidden: false,
						readonly: true,
					},
	);
	return {
		id: spec.table,
		name: spec.table,
		type: "base",
		fields,
		indexes: [],
		rules: { list: null, view: null, create: null, update: null, delete: null },
		cache: { mode: "off", ttlSeconds: 0 },
		version: 1,
		created: "",
		updated: "",
	};
}
