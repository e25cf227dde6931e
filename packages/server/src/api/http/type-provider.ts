import type {
	FastifyInstance,
	FastifyPluginAsync,
	FastifyTypeProvider,
	RawServerDefault,
} from "fastify";
import type { FromSchema, JSONSchema } from "json-schema-to-ts";
import type { App } from "../../core/app/index.js";

/**
 * Types each route's request (params, query string, body) from the JSON Schemas that
 * validate and document it, with json-schema-to-ts, so handlers read
 * `request.params.id` with no casts. Answers are not typed from their documented
 * schemas: most are sent as JSON text whose bytes make the ETag, so the OpenAPI
 * conformance test checks real answers against the live document instead.
 */
export interface SchemaTypeProvider extends FastifyTypeProvider {
	validator: this["schema"] extends JSONSchema
		? FromSchema<this["schema"]>
		: unknown;
	serializer: unknown;
}

/** The Fastify instance route files see: requests typed by their schemas. */
export type ApiServer = FastifyInstance<
	RawServerDefault,
	import("node:http").IncomingMessage,
	import("node:http").ServerResponse,
	import("fastify").FastifyBaseLogger,
	SchemaTypeProvider
>;

/**
 * A file of routes: a Fastify plugin, registered under a prefix (`/api/v1`), that
 * gets the App in its options.
 */
export type RoutePlugin = FastifyPluginAsync<
	{ app: App },
	RawServerDefault,
	SchemaTypeProvider
>;
