import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { BatchOperation } from "../core/records/index.js";
import { AppError } from "../tools/errors/index.js";
import type { ApiDocs } from "./api-docs.js";
import { countAuthAttempt, isSignUp } from "./http/auth-rate-limit.js";

interface SubRequest {
	method: "POST" | "PATCH" | "PUT" | "DELETE";
	url: string;
	body?: Record<string, unknown>;
	headers?: Record<string, string>;
}

const RECORD_URL =
	/^\/api\/v1\/collections\/([^/?#]+)\/records(?:\/([^/?#]+))?$/;
const ACTIONS = {
	POST: "create",
	PATCH: "update",
	PUT: "replace",
	DELETE: "delete",
} as const;

function batchSchema(max: number) {
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
						method: {
							type: "string",
							enum: ["POST", "PATCH", "PUT", "DELETE"],
						},
						url: { type: "string", maxLength: 2048 },
						body: { type: "object" },
						headers: {
							type: "object",
							additionalProperties: { type: "string" },
						},
					},
				},
			},
		},
	} as const;
}

/**
 * Binds POST /api/v1/batch (SPEC section 4): record writes in one transaction, all or
 * nothing, each under its collection's rules as if sent alone.
 */
export function bindBatchRoute(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	const schema = batchSchema(app.config.http.batchMaxRequests);
	server.post(
		"/api/v1/batch",
		{ schema: { body: schema } },
		async (request, reply) => {
			const { requests } = request.body as { requests: SubRequest[] };
			const operations = requests.map(toOperation);
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
	docs.add({
		method: "post",
		path: "/api/v1/batch",
		summary: `Run up to ${app.config.http.batchMaxRequests} record writes in one transaction`,
		tag: "records",
		auth: true,
		requestBody: schema,
		responses: {
			"200": {
				description: "Every write succeeded: { responses: [{ status, body }] }",
			},
			"4XX": {
				description: "The first failure, with `index`; nothing was written",
			},
		},
	});
}

function toOperation(sub: SubRequest, index: number): BatchOperation {
	const match = RECORD_URL.exec(sub.url);
	const [, collection, id] = match ?? [];
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
