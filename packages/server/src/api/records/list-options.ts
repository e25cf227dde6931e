import { AppError } from "../../core/errors/index.js";
import type { ListOptions } from "../../core/records/index.js";
import { listParams, queryOf } from "../http/query-params.js";

/** The query string of a records list and of its explain. */
export const listQuery = queryOf(listParams);

/**
 * The options of a records list (docs/api.md#list-parameters) from its validated
 * query string: `page` is 1 unless given, and cannot be combined with `cursor`.
 */
export function listOptionsOf(
	query: Omit<ListOptions, "page"> & { page?: number | undefined },
): ListOptions {
	const { cursor, page, ...options } = query;
	if (cursor !== undefined && page !== undefined)
		throw new AppError("INVALID_QUERY", {
			detail: "page cannot be combined with cursor; follow nextCursor instead.",
			errors: {
				page: {
					code: "INVALID_VALUE",
					message: "cannot be combined with cursor",
				},
			},
		});
	return { ...options, cursor, page: page ?? 1 };
}
