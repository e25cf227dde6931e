import type { SelectQueryBuilder } from "kysely";
import type { DatabaseSchema } from "./sql-dialect.js";

/** Which page of a list: `page` from 1, `perPage` rows each. */
export interface PageRequest {
	page: number;
	perPage: number;
}

/** Newest first, ties (rows of one millisecond) broken by id. */
export const NEWEST_FIRST = [
	["created", "desc"],
	["id", "desc"],
] as const;

/**
 * Runs a filtered query for one page of rows in `order` (which must end with a
 * unique column, so pages never overlap) and counts every row that matches.
 *
 * @example selectPage(db.kysely.selectFrom("_jobs").where("queue", "=", "mail"), [["created", "desc"], ["id", "desc"]], { page: 1, perPage: 50 })
 */
export async function selectPage(
	query: SelectQueryBuilder<DatabaseSchema, string, object>,
	order: readonly (readonly [column: string, direction: "asc" | "desc"])[],
	{ page, perPage }: PageRequest,
): Promise<{ rows: Record<string, unknown>[]; totalItems: number }> {
	let rows = query.selectAll();
	for (const [column, direction] of order)
		rows = rows.orderBy(column, direction);
	const [items, count] = await Promise.all([
		rows
			.limit(perPage)
			.offset((page - 1) * perPage)
			.execute(),
		query.select((eb) => eb.fn.countAll().as("n")).executeTakeFirst(),
	]);
	return {
		rows: items as Record<string, unknown>[],
		totalItems: Number((count as { n?: unknown } | undefined)?.n ?? 0),
	};
}
