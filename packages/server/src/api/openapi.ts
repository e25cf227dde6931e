import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import {
	type Collection,
	collectionInputSchema,
} from "../core/collections/index.js";
import {
	recordInputSchema,
	recordOutputSchema,
} from "../core/records/index.js";
import {
	type ApiDocs,
	pageSchema,
	type RouteDoc,
	type Schema,
} from "./api-docs.js";
import { jobComponentSchema } from "./jobs.js";
import { listParameters } from "./records-docs.js";

type Operation = Record<string, unknown>;
type Paths = Record<string, Record<string, Operation>>;

const problemSchema = {
	type: "object",
	description:
		"RFC 9457 problem details; `code` is stable (see docs/errors.md).",
	required: ["type", "title", "status", "code", "requestId"],
	properties: {
		type: { type: "string" },
		title: { type: "string" },
		status: { type: "integer" },
		detail: { type: "string" },
		instance: { type: "string" },
		code: { type: "string" },
		requestId: { type: "string" },
		errors: {
			type: "object",
			additionalProperties: {
				type: "object",
				properties: { code: { type: "string" }, message: { type: "string" } },
			},
		},
	},
};

function operationOf(route: RouteDoc): Operation {
	const responses: Record<string, unknown> = {};
	for (const [status, r] of Object.entries(route.responses)) {
		responses[status] = r.schema
			? {
					description: r.description,
					content: { "application/json": { schema: r.schema } },
				}
			: { description: r.description };
	}
	responses.default = {
		description: "An error",
		content: {
			"application/problem+json": {
				schema: { $ref: "#/components/schemas/Problem" },
			},
		},
	};
	return {
		summary: route.summary,
		tags: [route.tag],
		...(route.auth ? { security: [{ bearer: [] }, {}] } : {}),
		...(route.parameters ? { parameters: route.parameters } : {}),
		...(route.requestBody
			? {
					requestBody: {
						required: true,
						content: {
							[route.requestType ?? "application/json"]: {
								schema: route.requestBody,
							},
						},
					},
				}
			: {}),
		responses,
	};
}

function collectionPaths(
	c: Collection,
	paths: Paths,
	schemas: Record<string, Schema>,
): void {
	const record = { $ref: `#/components/schemas/record.${c.name}` };
	schemas[`record.${c.name}`] = recordOutputSchema(c);
	schemas[`record.${c.name}.create`] = recordInputSchema(c, "create");
	schemas[`record.${c.name}.update`] = recordInputSchema(c, "update");
	const json = (schema: Schema) => ({ "application/json": { schema } });
	const body = (kind: string) => ({
		required: true,
		content: json({ $ref: `#/components/schemas/record.${c.name}.${kind}` }),
	});
	const id = {
		name: "id",
		in: "path",
		required: true,
		schema: { type: "string" },
	};
	const tags = [`collection: ${c.name}`];
	const page = pageSchema(record, { nextCursor: { type: ["string", "null"] } });
	paths[`/api/v1/collections/${c.name}/records`] = {
		get: {
			tags,
			summary: `List ${c.name}`,
			parameters: listParameters,
			responses: { "200": { description: "A page", content: json(page) } },
		},
		post: {
			tags,
			summary: `Create a ${c.name} record`,
			requestBody: body("create"),
			responses: { "201": { description: "Created", content: json(record) } },
		},
	};
	paths[`/api/v1/collections/${c.name}/records/{id}`] = {
		get: {
			tags,
			summary: `View a ${c.name} record`,
			parameters: [id],
			responses: {
				"200": { description: "The record", content: json(record) },
			},
		},
		patch: {
			tags,
			summary: `Update a ${c.name} record`,
			parameters: [id],
			requestBody: body("update"),
			responses: { "200": { description: "Updated", content: json(record) } },
		},
		put: {
			tags,
			summary: `Replace a ${c.name} record`,
			parameters: [id],
			requestBody: body("create"),
			responses: { "200": { description: "Replaced", content: json(record) } },
		},
		delete: {
			tags,
			summary: `Delete a ${c.name} record`,
			parameters: [id],
			responses: { "204": { description: "Deleted" } },
		},
	};
}

/**
 * Builds the OpenAPI 3.1 document of the live server: the system routes from the same
 * schemas that validate them, and every collection's records routes from the JSON
 * Schemas its validators are compiled from.
 */
export function buildOpenApi(app: App, docs: ApiDocs): Record<string, unknown> {
	const paths: Paths = {};
	for (const route of docs.routes()) {
		paths[route.path] ??= {};
		(paths[route.path] as Record<string, Operation>)[route.method] =
			operationOf(route);
	}
	const schemas: Record<string, Schema> = {
		Problem: problemSchema,
		Job: jobComponentSchema,
		Collection: collectionInputSchema,
	};
	for (const collection of app.collections.list())
		collectionPaths(collection, paths, schemas);
	return {
		openapi: "3.1.0",
		info: {
			title: "Basalt API",
			version: app.version,
			description:
				"Collections, records, rules and auth. Errors are application/problem+json.",
		},
		servers: [{ url: "/" }],
		paths,
		components: {
			schemas,
			securitySchemes: {
				bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
			},
		},
	};
}

/** Binds GET /api/v1/openapi.json. */
export function bindOpenApiRoute(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/openapi.json", async () => buildOpenApi(app, docs));
}
