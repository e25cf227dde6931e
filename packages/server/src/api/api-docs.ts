import type { RegisteredRoute } from "./openapi/route-docs.js";
import {
	BEARER_OR_GUEST,
	empty,
	json,
	PUBLIC,
	type RouteSchema,
	ref,
} from "./openapi/route-schema.js";

/** A JSON Schema object. */
export type Schema = Record<string, unknown>;

/** The schema of a page of a list answer: `{ items, page, perPage, totalItems, totalPages }`. */
export function pageSchema(item: Schema, extra: Schema = {}): Schema {
	return {
		type: "object",
		properties: {
			items: { type: "array", items: item },
			page: { type: "integer" },
			perPage: { type: "integer" },
			totalItems: { type: "integer" },
			totalPages: { type: "integer" },
			...extra,
		},
	};
}

/** What the OpenAPI document says about one route. */
export interface RouteDoc {
	method: "get" | "post" | "put" | "patch" | "delete";
	/** OpenAPI path, with `{name}` parameters. */
	path: string;
	summary: string;
	tag: string;
	/** True when a bearer token is needed or accepted. */
	auth: boolean;
	parameters?: Schema[];
	requestBody?: Schema;
	/** The request body's media type; `application/json` unless said. */
	requestType?: string;
	responses: Record<string, { description: string; schema?: Schema }>;
}

/**
 * The routes the OpenAPI document describes. Route files add their entry next to the
 * Fastify route, from the same schema objects that validate requests.
 */
export class ApiDocs {
	#routes: RouteDoc[] = [];

	/** Adds one route's description. */
	add(doc: RouteDoc): void {
		this.#routes.push(doc);
	}

	/** Every described route, in registration order. */
	routes(): readonly RouteDoc[] {
		return this.#routes;
	}
}

/**
 * The routes still described with ApiDocs, as registered routes with a schema, so
 * the OpenAPI builder reads both kinds while route files move to declaring their
 * schema on the route.
 */
export function legacyRoutes(docs: ApiDocs): RegisteredRoute[] {
	return docs.routes().map((doc) => {
		const byPlace = (place: string) => {
			const list = (doc.parameters ?? []).filter((p) => p.in === place);
			return {
				type: "object",
				properties: Object.fromEntries(
					list.map((p) => [
						p.name as string,
						{
							...(p.schema as Schema),
							...(p.description ? { description: p.description } : {}),
						},
					]),
				),
				required: list.filter((p) => p.required).map((p) => p.name as string),
			};
		};
		const schema: RouteSchema = {
			summary: doc.summary,
			tags: [doc.tag],
			security: doc.auth ? BEARER_OR_GUEST : PUBLIC,
			params: byPlace("path"),
			querystring: byPlace("query"),
			...(doc.requestBody ? { body: doc.requestBody } : {}),
			...(doc.requestType ? { consumes: [doc.requestType] } : {}),
			response: {
				...Object.fromEntries(
					Object.entries(doc.responses).map(([status, r]) => [
						status,
						r.schema ? json(r.description, r.schema) : empty(r.description),
					]),
				),
			},
			legacy: true,
		} as RouteSchema;
		return {
			method: doc.method.toUpperCase(),
			url: doc.path.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1"),
			schema,
		};
	});
}
