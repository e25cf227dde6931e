export { coerceValue } from "./coerce-value.js";
export {
	compileFilter,
	compileRule,
	type FilterTarget,
} from "./compile-filter.js";
export {
	accountColumnType,
	systemColumnType,
	type ValueType,
	valueTypeOf,
} from "./field-kind.js";
export { invalidFilter } from "./filter-error.js";
export {
	createFilterParser,
	type FilterParser,
} from "./filter-parser-cache.js";
export {
	type AliasSource,
	type CollectionLookup,
	createAliasSource,
	type QueryScope,
	type RequestInfo,
} from "./query-scope.js";
