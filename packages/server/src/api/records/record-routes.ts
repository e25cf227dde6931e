import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestInfo } from "../../core/query/index.js";
import { etagOf, type RecordData } from "../../core/records/index.js";
import { countAuthAttempt, isSignUp } from "../http/auth-rate-limit.js";
import { clientCacheDirective } from "../http/cache-directive.js";
import { idempotencyOf } from "../http/idempotency-key.js";
import { headerOf, sendAnswer } from "../http/json-response.js";
import { queryOf, shapeParams } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	BEARER_OR_GUEST,
	empty,
	json,
	pageOf,
	problems,
	ref,
} from "../openapi/route-schema.js";
import { listOptionsOf, listQuery } from "./list-options.js";

const collectionParams = {
	type: "object",
	properties: {
		collection: { type: "string", description: "Collection name" },
	},
	required: ["collection"],
} as const;
const recordParams = {
	type: "object",
	properties: {
		collection: { type: "string", description: "Collection name" },
		id: { type: "string", description: "Record id" },
	},
	required: ["collection", "id"],
} as const;
/**
 * A record write's body: any object here (the collection's validator checks it);
 * each collection's own path documents its fields in place of the marker.
 */
const recordBody = (kind: "create" | "update") =>
	({
		type: "object",
		description: "The collection's fields (its own path lists them)",
		"x-record-body": kind,
	}) as const;
const etagHeader = {
	ETag: { description: "Strong tag of the body", schema: { type: "string" } },
};
const readHeaders = {
	...etagHeader,
	"X-Cache": {
		description:
			"Where the answer came from: `HIT` (the response cache), `MISS` (the database, now cached) or `BYPASS` (the database; the collection does not cache, the request asked for a fresh answer, or the cache store is unavailable). See docs/caching.md.",
		schema: { type: "string", enum: ["HIT", "MISS", "BYPASS"] },
	},
};
const base = {
	tags: ["records"],
	security: BEARER_OR_GUEST,
	perCollection: true,
} as const;

/** The answer of a list: a page, or with `cursor` a step of a keyset walk. */
const listAnswer = {
	oneOf: [
		pageOf(ref("RecordView")),
		{
			type: "object",
			required: ["items", "nextCursor"],
			properties: {
				items: { type: "array", items: ref("RecordView") },
				nextCursor: {
					type: ["string", "null"],
					description: "The next step's cursor; null at the end",
				},
			},
		},
	],
};

function requestInfo(
	request: FastifyRequest,
	body: Record<string, unknown> = {},
): RequestInfo {
	return { caller: request.caller, method: request.method, body };
}

/** The canonical URL of a record. */
export function recordLocation(collection: string, id: string): string {
	return `/api/v1/collections/${collection}/records/${id}`;
}

function sendRecord(
	reply: FastifyReply,
	status: number,
	record: RecordData,
): FastifyReply {
	const body = JSON.stringify(record);
	return reply
		.code(status)
		.header("etag", etagOf(body))
		.type("application/json; charset=utf-8")
		.send(body);
}

/**
 * Binds the records API (docs/api.md#records) for every collection; the OpenAPI
 * document repeats these routes under each collection's own path.
 */
export const bindRecordRoutes: RoutePlugin = async (server, { app }) => {
	const path = "/collections/:collection/records";
	server.get(
		path,
		{
			schema: {
				...base,
				summary: "List records",
				description:
					"The records the collection's list rule lets the caller see, filtered, sorted and paged (docs/api.md#list-parameters).",
				params: collectionParams,
				querystring: listQuery,
				response: {
					200: {
						...json("A page of records", listAnswer),
						headers: readHeaders,
					},
					304: empty("If-None-Match named the current ETag"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const answer = await app.records.listAnswer(
				request.params.collection,
				listOptionsOf(request.query),
				requestInfo(request),
				clientCacheDirective(request),
			);
			return sendAnswer(request, reply, answer);
		},
	);
	server.get(
		`${path}/:id`,
		{
			schema: {
				...base,
				summary: "View a record",
				params: recordParams,
				querystring: queryOf(shapeParams),
				response: {
					200: {
						...json("The record", ref("RecordView")),
						headers: readHeaders,
					},
					304: empty("If-None-Match named the current ETag"),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { collection, id } = request.params;
			const answer = await app.records.viewAnswer(
				collection,
				id,
				request.query,
				requestInfo(request),
				clientCacheDirective(request),
			);
			return sendAnswer(request, reply, answer);
		},
	);
	server.post(
		path,
		{
			schema: {
				...base,
				summary: "Create a record",
				description:
					"An `Idempotency-Key` header makes retries safe: the first answer is replayed for 24 hours.",
				params: collectionParams,
				body: recordBody("create"),
				response: {
					201: {
						...json("Created", ref("Record")),
						headers: {
							...etagHeader,
							Location: {
								description: "The record's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 404, 409, 413, 415, 422, 429),
				},
			},
		},
		async (request, reply) => {
			const { collection } = request.params;
			const body = request.body;
			if (isSignUp(app, collection, request.caller))
				await countAuthAttempt(app, request, reply, "signUp");
			const idem = idempotencyOf(request, body, (record) => ({
				status: 201,
				headers: {
					location: recordLocation(collection, record.id),
					etag: etagOf(JSON.stringify(record)),
				},
				body: JSON.stringify(record),
			}));
			const outcome = await app.records.create(
				collection,
				body,
				requestInfo(request, body),
				idem,
			);
			if ("replay" in outcome) {
				// A create's stored answer is always its 201.
				const { headers, body: replayed } = outcome.replay;
				return reply
					.code(201)
					.headers({ ...headers, "idempotency-replayed": "true" })
					.type("application/json; charset=utf-8")
					.send(replayed);
			}
			reply.header("location", recordLocation(collection, outcome.record.id));
			return sendRecord(reply, 201, outcome.record);
		},
	);
	for (const [method, mode, summary, input] of [
		["PATCH", "update", "Update some fields of a record", "update"],
		["PUT", "replace", "Replace every field of a record", "create"],
	] as const) {
		server.route({
			method,
			url: `${path}/:id`,
			schema: {
				...base,
				summary,
				description:
					"`If-Match` with the record's ETag makes the write conditional.",
				params: recordParams,
				body: recordBody(input),
				response: {
					200: {
						...json("The record as written", ref("Record")),
						headers: etagHeader,
					},
					...problems(400, 401, 403, 404, 409, 412, 413, 415, 422),
				},
			},
			handler: async (request, reply) => {
				const { collection, id } = request.params;
				const body = request.body;
				const record = await app.records.update(
					collection,
					id,
					body,
					mode,
					requestInfo(request, body),
					{ ifMatch: headerOf(request, "if-match") },
				);
				return sendRecord(reply, 200, record);
			},
		});
	}
	server.delete(
		`${path}/:id`,
		{
			schema: {
				...base,
				summary: "Delete a record",
				params: recordParams,
				response: {
					204: empty("Deleted"),
					...problems(400, 401, 403, 404, 409, 412),
				},
			},
		},
		async (request, reply) => {
			const { collection, id } = request.params;
			await app.records.remove(collection, id, requestInfo(request), {
				ifMatch: headerOf(request, "if-match"),
			});
			return reply.code(204).send();
		},
	);
};
