import {
	type FilterExpression,
	FilterSyntaxError,
	parseFilter,
} from "../../tools/filter/index.js";
import { createBoundedLru } from "../../tools/memo/index.js";
import { AppError } from "../errors/index.js";

/** Parses filters and rules, remembering the answer; syntax errors become INVALID_FILTER. */
export type FilterParser = (source: string) => FilterExpression;

/**
 * Creates a caching filter parser. Rules and popular filters repeat on every request,
 * so each distinct string is parsed once; the AST is never mutated after parsing.
 */
export function createFilterParser(maxEntries = 2000): FilterParser {
	const cache = createBoundedLru<string, FilterExpression>({ maxEntries });
	return function parse(source) {
		const cached = cache.get(source);
		if (cached) return cached;
		let expr: FilterExpression;
		try {
			expr = parseFilter(source);
		} catch (err: unknown) {
			if (err instanceof FilterSyntaxError) {
				throw new AppError("INVALID_FILTER", {
					detail: err.message,
					extensions: { position: err.position },
				});
			}
			throw err;
		}
		cache.set(source, expr);
		return expr;
	};
}
