import type { Schema } from "./api-docs.js";

/** The `{collection}` path parameter, for OpenAPI. */
export const collectionPathParameter = {
	name: "collection",
	in: "path",
	required: true,
	schema: { type: "string" },
};
const id = {
	name: "id",
	in: "path",
	required: true,
	schema: { type: "string" },
};
const query = (
	name: string,
	description: string,
	schema: Schema = { type: "string" },
) => ({
	name,
	in: "query",
	required: false,
	description,
	schema,
});

/** The list parameters of SPEC section 4, for OpenAPI. */
export const listParameters: Schema[] = [
	query("filter", 'Filter expression, e.g. `views > 10 && title ~ "bas"`'),
	query(
		"sort",
		"Comma list of fields, `-` for descending, e.g. `-created,title`",
	),
	query("page", "Page number from 1", { type: "integer", minimum: 1 }),
	query("perPage", "Records per page (max 500)", {
		type: "integer",
		minimum: 1,
		maximum: 500,
		default: 30,
	}),
	query(
		"cursor",
		"Keyset cursor: empty to start, then each answer's nextCursor",
	),
	query("fields", "Comma list of fields to return"),
	query(
		"expand",
		"Comma list of relation paths to load, e.g. `author,tags.owner`",
	),
	query("skipTotal", "Skip counting totals (faster)", { type: "boolean" }),
];
