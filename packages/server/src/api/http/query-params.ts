/**
 * The query parameters of Basalt's API, declared once as JSON Schema: Fastify
 * validates them (validator-compiler.ts reads the query string by these schemas),
 * the type provider types handlers from them, and the OpenAPI document lists them.
 *
 * One rule for empty values (`?status=`): an empty value is the same as leaving the
 * parameter out, except where a parameter's schema says `allowEmptyValue` (an empty
 * `cursor=` starts a keyset walk). docs/api.md#list-parameters says the same.
 */

/** The page size of a list when `perPage` is not given. */
export const DEFAULT_PER_PAGE = 30;
/** The largest page a list answers; more is a 400. */
export const MAX_PER_PAGE = 500;

/** `page` and `perPage`; `page` has no default so a cursor walk can refuse it. */
export const pageParams = {
	page: {
		type: "integer",
		minimum: 1,
		maximum: 1_000_000,
		description: "Page number, from 1 (default 1)",
	},
	perPage: {
		type: "integer",
		minimum: 1,
		maximum: MAX_PER_PAGE,
		default: DEFAULT_PER_PAGE,
		description: `Items per page, at most ${MAX_PER_PAGE}`,
	},
} as const;

/** `filter` and `sort`, in the filter language of docs/filters.md. */
export const filterParams = {
	filter: {
		type: "string",
		description: 'Filter expression, e.g. `views > 10 && title ~ "bas"`',
	},
	sort: {
		type: "string",
		description:
			"Comma list of fields, `-` for descending, e.g. `-created,title`",
	},
} as const;

/** `fields` and `expand` of a record read. */
export const shapeParams = {
	fields: { type: "string", description: "Comma list of fields to return" },
	expand: {
		type: "string",
		description:
			"Comma list of relation paths to load, e.g. `author,tags.owner`",
	},
} as const;

/** `skipTotal`: a list without its count query. */
export const totalParams = {
	skipTotal: {
		type: "boolean",
		default: false,
		description: "Skip counting totals (faster); totals are then -1",
	},
} as const;

/** The list parameters of records (docs/api.md#list-parameters). */
export const listParams = {
	...filterParams,
	...pageParams,
	cursor: {
		type: "string",
		allowEmptyValue: true,
		description:
			"Keyset cursor: empty to start a walk, then each answer's nextCursor",
	},
	...shapeParams,
	...totalParams,
} as const;

/**
 * A parameter that takes one of a fixed set of words; anything else is a 400
 * INVALID_QUERY naming it. Spread it with a `default` where one applies.
 */
export function choiceParam<const T extends readonly string[]>(
	values: T,
	description: string,
): { type: "string"; enum: T; description: string } {
	return { type: "string", enum: values, description };
}

/** A query-string schema of these parameters; parameters not named are ignored. */
export function queryOf<const P extends Record<string, object>>(
	properties: P,
): { type: "object"; properties: P } {
	return { type: "object", properties };
}
