import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../core/app/index.js";
import type { RequestInfo } from "../core/query/index.js";
import { etagOf, type RecordData } from "../core/records/index.js";
import type { ApiDocs } from "./api-docs.js";
import { countAuthAttempt, isSignUp } from "./auth-rate-limit.js";
import { idempotencyOf } from "./idempotency-key.js";
import { headerOf, objectBody, sendWithEtag } from "./json-response.js";
import { parseListQuery, parseViewQuery } from "./list-query.js";
import { describeRecordRoutes } from "./records-docs.js";

type Params = { collection: string; id: string };
type Query = Record<string, string | string[] | undefined>;

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

/** Binds the records API (SPEC section 4) for every collection. */
export function bindRecordRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	const base = "/api/v1/collections/:collection/records";
	server.get(base, async (request, reply) => {
		const { collection } = request.params as Params;
		const result = await app.records.list(
			collection,
			parseListQuery(request.query as Query),
			requestInfo(request),
		);
		return sendWithEtag(request, reply, 200, result);
	});
	server.get(`${base}/:id`, async (request, reply) => {
		const { collection, id } = request.params as Params;
		const record = await app.records.view(
			collection,
			id,
			parseViewQuery(request.query as Query),
			requestInfo(request),
		);
		return sendWithEtag(request, reply, 200, record);
	});
	server.post(base, async (request, reply) => {
		const { collection } = request.params as Params;
		const body = objectBody(request.body);
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
			const { status, headers, body: replayed } = outcome.replay;
			return reply
				.code(status)
				.headers({ ...headers, "idempotency-replayed": "true" })
				.type("application/json; charset=utf-8")
				.send(replayed);
		}
		reply.header("location", recordLocation(collection, outcome.record.id));
		return sendRecord(reply, 201, outcome.record);
	});
	for (const method of ["PATCH", "PUT"] as const) {
		server.route({
			method,
			url: `${base}/:id`,
			handler: async (request, reply) => {
				const { collection, id } = request.params as Params;
				const body = objectBody(request.body);
				const mode = method === "PATCH" ? "update" : "replace";
				const ifMatch = headerOf(request, "if-match");
				const record = await app.records.update(
					collection,
					id,
					body,
					mode,
					requestInfo(request, body),
					{ ifMatch },
				);
				return sendRecord(reply, 200, record);
			},
		});
	}
	server.delete(`${base}/:id`, async (request, reply) => {
		const { collection, id } = request.params as Params;
		await app.records.remove(collection, id, requestInfo(request), {
			ifMatch: headerOf(request, "if-match"),
		});
		return reply.code(204).send();
	});
	describeRecordRoutes(docs);
}
