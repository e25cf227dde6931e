/**
 * The filter and rule language front end (docs/filters.md): lexer, parser, printer.
 *
 * `core/query/compile-filter.ts` compiles the AST to SQL; `core/` maps
 * FilterSyntaxError to `INVALID_FILTER` or `INVALID_SORT` with its `position`.
 */
export type {
	CollectionOperand,
	ComparisonExpression,
	ComparisonOperator,
	FieldOperand,
	FilterExpression,
	LiteralOperand,
	LogicalExpression,
	NowOperand,
	Operand,
	RequestOperand,
	SortKey,
} from "./filter-ast.js";
export { comparisonOperators } from "./filter-ast.js";
export { FilterSyntaxError, isFilterSyntaxError } from "./filter-error.js";
export { type Token, tokenizeFilter } from "./filter-lexer.js";
export { parseFieldList, parseFilter, parseSort } from "./filter-parser.js";
export { formatFilter } from "./filter-printer.js";
