/**
 * The abstract syntax tree of Basalt's filter and rule language (docs/filters.md).
 *
 * The parser in this folder produces it; `core/query/compile-filter.ts` compiles it to
 * SQL against a collection schema. Every node carries `pos`, the 0-based character
 * offset in the source where it starts, so later errors (unknown field, bad operand)
 * can name it.
 */

/** The comparison operators; the any-of variants (`?=` …) are these with `anyOf: true`. */
export const comparisonOperators = [
	"=",
	"!=",
	">",
	">=",
	"<",
	"<=",
	"~",
	"!~",
] as const;

/** One of comparisonOperators. */
export type ComparisonOperator = (typeof comparisonOperators)[number];

/** A boolean expression: a comparison, or `&&` / `||` over two or more expressions. */
export type FilterExpression = LogicalExpression | ComparisonExpression;

/** `a && b && c` or `a || b`: operands are flattened, so `items.length >= 2`. */
export interface LogicalExpression {
	kind: "logical";
	operator: "&&" | "||";
	items: FilterExpression[];
	pos: number;
}

/** `left op right`, e.g. `title ~ "bas"` or `tags ?= "news"`. */
export interface ComparisonExpression {
	kind: "comparison";
	operator: ComparisonOperator;
	/** True for the `?`-prefixed any-of operators. */
	anyOf: boolean;
	left: Operand;
	right: Operand;
	pos: number;
}

/** One side of a comparison. */
export type Operand =
	| FieldOperand
	| RequestOperand
	| CollectionOperand
	| NowOperand
	| LiteralOperand;

/** A field of the filtered collection, or a dot path through relations: `author.name`. */
export interface FieldOperand {
	kind: "field";
	path: string[];
	pos: number;
}

/** `@request.auth.id`, `@request.body.title`, `@request.method`: path after `@request`. */
export interface RequestOperand {
	kind: "request";
	path: string[];
	pos: number;
}

/** `@collection.members.user`: another collection and a field path in it. */
export interface CollectionOperand {
	kind: "collection";
	collection: string;
	path: string[];
	pos: number;
}

/** `@now`: the current time. */
export interface NowOperand {
	kind: "now";
	pos: number;
}

/** A string, number, boolean or null literal. */
export interface LiteralOperand {
	kind: "literal";
	value: string | number | boolean | null;
	pos: number;
}

/** One key of a sort list: `-created` is `{ path: ["created"], direction: "desc" }`. */
export interface SortKey {
	path: string[];
	direction: "asc" | "desc";
	pos: number;
}
