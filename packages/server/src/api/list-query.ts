import type { ListOptions } from "../core/records/index.js";
import { AppError } from "../tools/errors/index.js";

const MAX_PER_PAGE = 500;
const DEFAULT_PER_PAGE = 30;

type Query = Record<string, string | string[] | undefined>;

/**
 * Reads the list parameters of SPEC section 4 from a query string: whole numbers in
 * range, `perPage` at most 500, booleans as true/false/1/0. Anything else is a 400
 * naming the parameter.
 */
export function parseListQuery(query: Query): ListOptions {
	const cursor = single(query, "cursor");
	const page = integer(query, "page", 1, 1, 1_000_000);
	if (cursor !== undefined && query.page !== undefined) {
		throw invalid(
			"page",
			"cannot be combined with cursor; follow nextCursor instead",
		);
	}
	return {
		filter: single(query, "filter"),
		sort: single(query, "sort"),
		page,
		perPage: integer(query, "perPage", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
		cursor,
		fields: single(query, "fields"),
		expand: single(query, "expand"),
		skipTotal: boolean(query, "skipTotal"),
	};
}

/** Reads `fields` and `expand` for a single-record view. */
export function parseViewQuery(query: Query) {
	return { fields: single(query, "fields"), expand: single(query, "expand") };
}

function single(query: Query, name: string): string | undefined {
	const value = query[name];
	if (Array.isArray(value)) throw invalid(name, "must be given once");
	return value;
}

function integer(
	query: Query,
	name: string,
	fallback: number,
	min: number,
	max: number,
): number {
	const raw = single(query, name);
	if (raw === undefined || raw === "") return fallback;
	if (!/^\d{1,9}$/.test(raw)) throw invalid(name, "must be a whole number");
	const value = Number(raw);
	if (value < min || value > max)
		throw invalid(name, `must be between ${min} and ${max}`);
	return value;
}

function boolean(query: Query, name: string): boolean {
	const raw = single(query, name);
	if (raw === undefined || raw === "" || raw === "false" || raw === "0")
		return false;
	if (raw === "true" || raw === "1") return true;
	throw invalid(name, "must be true or false");
}

function invalid(name: string, message: string): AppError {
	return new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}
