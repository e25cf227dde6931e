import { CompiledQuery } from "kysely";
import type { SqlDialect } from "./sql-dialect.js";

/** What the database plans to do with a statement, read for a person adding an index. */
export interface QueryPlan {
	/** The dialect's own plan: SQLite's EXPLAIN QUERY PLAN rows, PostgreSQL's JSON plan. */
	plan: unknown;
	/** The indexes the plan reads, by name (`PRIMARY KEY` for SQLite's rowid). */
	indexes: string[];
	/**
	 * An index narrows the rows read (SQLite SEARCH, an index condition in PostgreSQL),
	 * as opposed to walking a whole index only for its order.
	 */
	searchesIndex: boolean;
	/** A table is read from start to end (a SQLite SCAN, a PostgreSQL Seq Scan). */
	fullScan: boolean;
	/** The rows are sorted after reading: no index gives them in order. */
	sortsAfterReading: boolean;
}

/** Runs a read and returns its rows (the records context's `read`). */
export type ReadRows = <R = Record<string, unknown>>(
	query: CompiledQuery,
) => Promise<R[]>;

/**
 * Asks the database for the plan of `query` without running it: SQLite's `EXPLAIN
 * QUERY PLAN`, PostgreSQL's `EXPLAIN (FORMAT JSON)` (never ANALYZE, which would run
 * it). The parameters are bound as the real statement binds them.
 */
export async function explainQuery(
	read: ReadRows,
	dialect: SqlDialect,
	query: CompiledQuery,
): Promise<QueryPlan> {
	if (dialect.name === "postgres") {
		const rows = await read<{ "QUERY PLAN": unknown }>(
			CompiledQuery.raw(`EXPLAIN (FORMAT JSON) ${query.sql}`, [
				...query.parameters,
			]),
		);
		const raw = rows[0]?.["QUERY PLAN"];
		const plan = typeof raw === "string" ? JSON.parse(raw) : raw;
		return readPostgresPlan(plan);
	}
	const rows = await read<{ id: number; parent: number; detail: string }>(
		CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
	);
	return readSqlitePlan(rows);
}

/**
 * Reads SQLite's plan rows: `SCAN r` reads the whole table, `SEARCH r USING INDEX x
 * (title=?)` and `USING COVERING INDEX x` use one, `USE TEMP B-TREE FOR ORDER BY`
 * sorts afterwards (https://sqlite.org/eqp.html).
 */
function readSqlitePlan(
	rows: { id: number; parent: number; detail: string }[],
): QueryPlan {
	const indexes = new Set<string>();
	let searchesIndex = false;
	let fullScan = false;
	let sortsAfterReading = false;
	for (const { detail } of rows) {
		if (
			/^SEARCH .* USING (?:COVERING INDEX|INDEX|INTEGER PRIMARY KEY)/.test(
				detail,
			)
		)
			searchesIndex = true;
		for (const match of detail.matchAll(/USING (?:COVERING )?INDEX (\S+)/g))
			if (match[1]) indexes.add(match[1]);
		if (/USING INTEGER PRIMARY KEY/.test(detail)) indexes.add("PRIMARY KEY");
		if (/^SCAN /.test(detail) && !/^SCAN CONSTANT ROW/.test(detail))
			fullScan = true;
		if (/USE TEMP B-TREE FOR (?:RIGHT PART OF )?ORDER BY/.test(detail))
			sortsAfterReading = true;
	}
	return {
		plan: rows.map(({ id, parent, detail }) => ({ id, parent, detail })),
		indexes: [...indexes],
		searchesIndex,
		fullScan,
		sortsAfterReading,
	};
}

/** A node of PostgreSQL's JSON plan (https://www.postgresql.org/docs/current/using-explain.html). */
interface PlanNode {
	"Node Type"?: string;
	"Index Name"?: string;
	"Index Cond"?: string;
	Plans?: PlanNode[];
}

/** Walks PostgreSQL's plan tree: Seq Scan reads a whole table, Index/Bitmap scans name theirs. */
function readPostgresPlan(plan: unknown): QueryPlan {
	const indexes = new Set<string>();
	let searchesIndex = false;
	let fullScan = false;
	let sortsAfterReading = false;
	const visit = (node: PlanNode) => {
		if (node["Index Cond"]) searchesIndex = true;
		const type = node["Node Type"] ?? "";
		if (type === "Seq Scan") fullScan = true;
		if (type === "Sort" || type === "Incremental Sort")
			sortsAfterReading = true;
		if (node["Index Name"]) indexes.add(node["Index Name"]);
		for (const child of node.Plans ?? []) visit(child);
	};
	for (const entry of Array.isArray(plan) ? plan : [])
		if (entry && typeof entry === "object" && "Plan" in entry)
			visit((entry as { Plan: PlanNode }).Plan);
	return {
		plan,
		indexes: [...indexes],
		searchesIndex,
		fullScan,
		sortsAfterReading,
	};
}
