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
