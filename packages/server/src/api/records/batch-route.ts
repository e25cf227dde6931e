import { AppError } from "../../core/errors/index.js";
import type { BatchOperation } from "../../core/records/index.js";
import { countAuthAttempt, isSignUp } from "../http/auth-rate-limit.js";
import type { RoutePlugin } from "../http/type-provider.js";
import {
	BEARER_OR_GUEST,
	json,
	problems,
	type ResponseDoc,
	ref,
} from "../openapi/route-schema.js";

const METHODS = ["POST", "PATCH", "PUT", "DELETE"] as const;
const RECORD_URL =
	/^\/api\/v1\/collections\/([^/?#]+)\/records(?:\/([^/?#]+))?$/;
const ACTIONS = {
	POST: "create",
	PATCH: "update",
	PUT: "replace",
	DELETE: "delete",
} as const;

/** The body of POST /batch: 1 to `max` record writes. */
function batchBody(max: number) {
	return {
		type: "object",
		additionalProperties: false,
		required: ["requests"],
		properties: {
			requests: {
				type: "array",
				minItems: 1,
				maxItems: max,
				items: {
					type: "object",
					additionalProperties: false,
					required: ["method", "url"],
					properties: {
						method: { type: "string", enum: METHODS },
						url: {
							type: "string",
							maxLength: 2048,
							description: "/api/v1/collections/{c}/records[/{id}]",
						},
						body: { type: "object", description: "The write's body" },
						headers: {
							type: "object",
							description: "If-Match is the one header read",
							additionalProperties: { type: "string" },
						},
					},
				},
			},
		},
	} as const;
}

/** Every write succeeded: each one's status and record, in order. */
const batchAnswer = {
	type: "object",
	required: ["responses"],
	properties: {
		responses: {
			type: "array",
			items: {
				type: "object",
				required: ["status", "body"],
				properties: {
					status: {
						type: "integer",
						enum: [200, 201, 204],
						description: "201 created, 200 updated or replaced, 204 deleted",
					},
					body: {
						anyOf: [ref("Record"), { type: "null" }],
						description: "The record as written; null for a delete",
					},
				},
			},
		},
	},
};

/**
 * The problem of the write that failed, with its `index`, for statuses only a write
 * of the batch sends; 400 and 401 may also be about the batch itself (no `index`).
 */
function failedWrite(...statuses: number[]): Record<string, ResponseDoc> {
	const schema = { allOf: [ref("Problem"), { required: ["index"] }] };
	return Object.fromEntries(
		Object.entries(problems(...statuses)).map(([status, doc]) => [
			status,
			{
				description: `${doc.description}; \`index\` names the write, and nothing was written`,
				content: { "application/problem+json": { schema } },
			},
		]),
	);
}

/**
 * Binds POST /batch (docs/api.md#batch): record writes in one transaction, all or
 * nothing, each under its collection's rules as if sent alone.
 */
export const bindBatchRoute: RoutePlugin = async (server, { app }) => {
	const max = app.config.http.batchMaxRequests;
	server.post(
		"/batch",
		{
			schema: {
				summary: `Run up to ${max} record writes in one transaction`,
				description:
					"Each write is checked against its collection's rules as if sent alone. The first that fails answers with its problem document and `index` (its place in `requests`, from 0), and nothing of the batch is written.",
				tags: ["records"],
				security: BEARER_OR_GUEST,
				body: batchBody(max),
				response: {
					200: json("Every write succeeded", batchAnswer),
					...problems(400, 401, 413, 415, 429),
					...failedWrite(403, 404, 409, 412, 422),
				},
			},
		},
		async (request, reply) => {
			const operations = request.body.requests.map(toOperation);
			// Each account a batch creates counts as one sign-up, as if sent alone.
			for (const op of operations)
				if (
					op.action === "create" &&
					isSignUp(app, op.collection, request.caller)
				)
					await countAuthAttempt(app, request, reply, "signUp");
			const results = await app.records.batch(operations, request.caller);
			return {
				responses: results.map((r) => ({ status: r.status, body: r.record })),
			};
		},
	);
};

/** One write of the batch as the records service runs it; a 400 naming it if it is not one. */
function toOperation(
	sub: {
		method: (typeof METHODS)[number];
		url: string;
		body?: Record<string, unknown>;
		headers?: Record<string, string>;
	},
	index: number,
): BatchOperation {
	const [, collection, id] = RECORD_URL.exec(sub.url) ?? [];
	const needsId = sub.method !== "POST";
	if (!collection || needsId !== (id !== undefined)) {
		throw new AppError("INVALID_BATCH", {
			detail: `Request ${index}: ${sub.method} ${sub.url.slice(0, 200)} is not a record write this batch can run.`,
			extensions: { index },
		});
	}
	let names: { collection: string; id: string | undefined };
	try {
		names = {
			collection: decodeURIComponent(collection),
			id: id === undefined ? undefined : decodeURIComponent(id),
		};
	} catch {
		throw new AppError("INVALID_BATCH", {
			detail: `Request ${index}: the URL is not validly encoded.`,
			extensions: { index },
		});
	}
	const ifMatch = Object.entries(sub.headers ?? {}).find(
		([name]) => name.toLowerCase() === "if-match",
	)?.[1];
	return {
		action: ACTIONS[sub.method],
		collection: names.collection,
		...(names.id !== undefined ? { id: names.id } : {}),
		body: sub.method === "DELETE" ? {} : (sub.body ?? {}),
		ifMatch,
	};
}
