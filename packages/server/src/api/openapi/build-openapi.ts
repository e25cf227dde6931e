import type { Collection } from "../../core/model/index.js";
import {
	recordInputSchema,
	recordOutputSchema,
} from "../../core/records/index.js";
import { recordComponents } from "./components.js";
import type { RegisteredRoute } from "./route-docs.js";
import {
	problems,
	type ResponseDoc,
	type RouteSchema,
	ref,
	type Schema,
} from "./route-schema.js";

type Operation = Record<string, unknown>;
type Paths = Record<string, Record<string, Operation>>;

/** What the document is built from: the server's routes and the live collections. */
export interface OpenApiSource {
	routes: readonly RegisteredRoute[];
	collections: readonly Collection[];
	/** Basalt's version, the document's `info.version`. */
	version: string;
	/** Further component schemas the routes refer to. */
	schemas?: Readonly<Record<string, Schema>>;
}

/**
 * Builds the OpenAPI 3.1 document of the live server: every route that declares a
 * schema, from that schema (the one that validates its requests), and each
 * collection's records routes with the JSON Schemas its validators are compiled
 * from.
 */
export function buildOpenApi(source: OpenApiSource): Record<string, unknown> {
	const paths: Paths = {};
	const schemas: Record<string, Schema> = {
		...recordComponents,
		...source.schemas,
	};
	const documented = source.routes.filter(
		(route): route is RegisteredRoute & { schema: RouteSchema } =>
			route.schema?.summary !== undefined,
	);
	for (const route of documented)
		addOperation(paths, openApiPath(route.url), route.method, route.schema);
	for (const collection of source.collections) {
		Object.assign(schemas, collectionSchemas(collection));
		for (const route of documented.filter((r) => r.schema.perCollection))
			addOperation(
				paths,
				openApiPath(route.url.replace(":collection", collection.name)),
				route.method,
				forCollection(route.schema, collection.name),
			);
	}
	return {
		openapi: "3.1.0",
		info: {
			title: "Basalt API",
			version: source.version,
			description:
				"Collections, records, rules and auth. Errors are application/problem+json (docs/errors.md).",
		},
		servers: [{ url: "/" }],
		paths,
		components: {
			schemas,
			securitySchemes: {
				bearer: {
					type: "http",
					scheme: "bearer",
					description:
						"An access token (JWT), an API key (bsk_…) or an OAuth2 client token",
				},
				basic: {
					type: "http",
					scheme: "basic",
					description:
						"OAuth2 client credentials (client_secret_basic, RFC 6749 section 2.3.1): the token endpoint only",
				},
			},
		},
	};
}

/** `/api/v1/jobs/:id` as OpenAPI writes it: `/api/v1/jobs/{id}`. */
function openApiPath(url: string): string {
	return url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

function addOperation(
	paths: Paths,
	path: string,
	method: string,
	schema: RouteSchema,
): void {
	paths[path] ??= {};
	(paths[path] as Record<string, Operation>)[method.toLowerCase()] =
		operationOf(schema, method);
}

function operationOf(schema: RouteSchema, method: string): Operation {
	const parameters = [
		...parametersOf(schema.params, "path"),
		...parametersOf(schema.querystring, "query"),
	];
	return {
		summary: schema.summary,
		...(schema.description ? { description: schema.description } : {}),
		tags: schema.tags,
		security: schema.security,
		...(schema.deprecated ? { deprecated: true } : {}),
		...(parameters.length > 0 ? { parameters } : {}),
		...(schema.body || schema.bodyDoc
			? { requestBody: requestBodyOf(schema) }
			: {}),
		responses: {
			...answersOfEveryRoute(schema, method),
			...schema.response,
			default: {
				description: "An unexpected error (5xx), as problem+json",
				content: { "application/problem+json": { schema: ref("Problem") } },
			},
		},
	};
}

/**
 * The problems any route can answer before its handler runs, whatever it declares:
 * a malformed URL (400), an Authorization header that does not verify, which is a
 * 401 even on public routes (docs/api.md, "Conventions"), a path segment over 256
 * characters (414), and a body's limit and media type (413, 415): a body is read for
 * every method but GET and HEAD, whether the route takes one or not, so a DELETE sent
 * with a CSV body is a 415 too. A route's own entry for a status wins. A route that
 * answers its errors in a format of its own (the OAuth2 token endpoint's RFC 6749
 * errors) maps those failures itself.
 */
function answersOfEveryRoute(
	schema: RouteSchema,
	method: string,
): Record<string, ResponseDoc> {
	const ownErrors = schema.response["400"]?.content?.["application/json"];
	if (ownErrors) return {};
	const statuses = [400, 401];
	if (Object.keys(schema.params?.properties ?? {}).length > 0)
		statuses.push(414);
	const readsBody = method !== "GET" && method !== "HEAD";
	if (schema.body || schema.bodyDoc || readsBody) statuses.push(413, 415);
	return problems(...statuses);
}

/** The parameters of a params or query-string schema, one per property. */
function parametersOf(
	schema: Schema | undefined,
	location: "path" | "query",
): Operation[] {
	const properties = (schema?.properties ?? {}) as Record<string, Schema>;
	const required = new Set((schema?.required ?? []) as string[]);
	return Object.entries(properties).map(([name, property]) => {
		const { description, allowEmptyValue, ...valueSchema } = property;
		return {
			name,
			in: location,
			required: location === "path" || required.has(name),
			...(description ? { description } : {}),
			...(allowEmptyValue ? { allowEmptyValue: true } : {}),
			schema: valueSchema,
		};
	});
}

/** The request body: `bodyDoc` documents a body Fastify does not validate (a stream). */
function requestBodyOf(schema: RouteSchema): Operation {
	const types = schema.consumes ?? ["application/json"];
	const body = schema.body ?? schema.bodyDoc;
	return {
		// Fastify validates an absent body as null, so a body schema that admits null
		// makes the body optional (an impersonation's lifetime, say).
		required: ![body?.type].flat().includes("null"),
		content: Object.fromEntries(types.map((type) => [type, { schema: body }])),
	};
}

/** The component schemas of one collection's records. */
function collectionSchemas(collection: Collection): Record<string, Schema> {
	const { required: _required, ...view } = recordOutputSchema(collection);
	return {
		[`record.${collection.name}`]: recordOutputSchema(collection),
		[`record.${collection.name}.view`]: {
			...view,
			description:
				"A record as reads return it: `fields` may leave members out.",
		},
		[`record.${collection.name}.create`]: recordInputSchema(
			collection,
			"create",
		),
		[`record.${collection.name}.update`]: recordInputSchema(
			collection,
			"update",
		),
	};
}

/** The generic record schemas a per-collection route refers to, by their stand-in. */
const STAND_INS: Readonly<Record<string, string>> = {
	"#/components/schemas/Record": "",
	"#/components/schemas/RecordView": ".view",
};

/**
 * A records route as documented under one collection's own path: without the
 * `collection` parameter, with that collection's record schemas in place of the
 * generic ones, and its write schemas where a body says `x-record-body`.
 */
function forCollection(schema: RouteSchema, name: string): RouteSchema {
	const { collection: _collection, ...otherParams } = (schema.params
		?.properties ?? {}) as Record<string, Schema>;
	const swapped = JSON.parse(
		JSON.stringify({ body: schema.body, response: schema.response }),
		(_key, value: unknown) => {
			if (typeof value === "string" && STAND_INS[value] !== undefined)
				return `#/components/schemas/record.${name}${STAND_INS[value]}`;
			const kind = (value as { "x-record-body"?: unknown } | null)?.[
				"x-record-body"
			];
			return typeof kind === "string"
				? { $ref: `#/components/schemas/record.${name}.${kind}` }
				: value;
		},
	) as { body?: Schema; response: Record<string, ResponseDoc> };
	return {
		...schema,
		summary: `${schema.summary} (${name})`,
		tags: [`collection: ${name}`],
		params: { type: "object", properties: otherParams },
		...(swapped.body ? { body: swapped.body } : {}),
		response: swapped.response,
	};
}
