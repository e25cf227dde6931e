import type { ApiDocs, Schema } from "./api-docs.js";

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

/** Adds the generic record routes to the OpenAPI document. */
export function describeRecordRoutes(docs: ApiDocs): void {
	const base = { tag: "records", auth: true } as const;
	const path = "/api/v1/collections/{collection}/records";
	docs.add({
		...base,
		method: "get",
		path,
		summary: "List records",
		parameters: [collectionPathParameter, ...listParameters],
		responses: { "200": { description: "A page of records" } },
	});
	docs.add({
		...base,
		method: "post",
		path,
		summary: "Create a record",
		parameters: [collectionPathParameter],
		requestBody: { type: "object" },
		responses: { "201": { description: "Created" } },
	});
	const one = `${path}/{id}`;
	docs.add({
		...base,
		method: "get",
		path: one,
		summary: "View a record",
		parameters: [collectionPathParameter, id],
		responses: {
			"200": { description: "The record" },
			"404": { description: "No such record, or hidden by rules" },
		},
	});
	docs.add({
		...base,
		method: "patch",
		path: one,
		summary: "Update some fields of a record",
		parameters: [collectionPathParameter, id],
		requestBody: { type: "object" },
		responses: {
			"200": { description: "Updated" },
			"412": { description: "If-Match failed" },
		},
	});
	docs.add({
		...base,
		method: "put",
		path: one,
		summary: "Replace every field of a record",
		parameters: [collectionPathParameter, id],
		requestBody: { type: "object" },
		responses: {
			"200": { description: "Replaced" },
			"412": { description: "If-Match failed" },
		},
	});
	docs.add({
		...base,
		method: "delete",
		path: one,
		summary: "Delete a record",
		parameters: [collectionPathParameter, id],
		responses: { "204": { description: "Deleted" } },
	});
}
