import fc from "fast-check";
import type { FilterExpression } from "../../src/tools/filter/index.js";

/**
 * Random filter trees: `&&` / `||` nodes of two or three children over the given
 * comparisons, at most four levels deep.
 */
export function filterTreeOf(
	comparison: fc.Arbitrary<FilterExpression>,
): fc.Arbitrary<FilterExpression> {
	return fc.letrec<{ expr: FilterExpression; logical: FilterExpression }>(
		(tie) => ({
			expr: fc.oneof(
				{ maxDepth: 4, depthIdentifier: "filter" },
				comparison,
				tie("logical"),
			),
			logical: fc
				.record({
					operator: fc.constantFrom<"&&" | "||">("&&", "||"),
					items: fc.array(tie("expr"), { minLength: 2, maxLength: 3 }),
				})
				.map((l): FilterExpression => ({ kind: "logical", ...l, pos: 0 })),
		}),
	).expr;
}
