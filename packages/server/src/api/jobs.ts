import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import { jobStatuses } from "../core/jobs/index.js";
import type { ApiDocs } from "./api-docs.js";
import { requireSuperuser } from "./http/authenticate.js";
import {
	choiceParam,
	pageParams,
	type Query,
	singleParam,
} from "./query-params.js";

const jobSchema = { $ref: "#/components/schemas/Job" };

/** Reads the list filters of GET /api/v1/jobs; anything odd is a 400 naming it. */
function parseJobQuery(query: Query) {
	return {
		queue: singleParam(query, "queue"),
		status: choiceParam(query, "status", jobStatuses),
		...pageParams(query),
	};
}

/** Binds the jobs API (SPEC section 8): superusers only. */
export function bindJobRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/jobs", async (request) => {
		requireSuperuser(request, "jobs");
		const filter = parseJobQuery(request.query as Query);
		const { items, totalItems } = await app.jobs.list(filter);
		return {
			items,
			page: filter.page,
			perPage: filter.perPage,
			totalItems,
			totalPages: Math.ceil(totalItems / filter.perPage),
		};
	});
	server.get("/api/v1/jobs/:id", async (request) => {
		requireSuperuser(request, "jobs");
		return app.jobs.get((request.params as { id: string }).id);
	});
	server.post("/api/v1/jobs/:id/retry", async (request) => {
		requireSuperuser(request, "jobs");
		return app.jobs.retry((request.params as { id: string }).id);
	});
	server.delete("/api/v1/jobs/:id", async (request) => {
		requireSuperuser(request, "jobs");
		return app.jobs.cancel((request.params as { id: string }).id);
	});
	describe(docs);
}

function describe(docs: ApiDocs): void {
	const base = { tag: "jobs", auth: true } as const;
	const id = [
		{ name: "id", in: "path", required: true, schema: { type: "string" } },
	];
	const query = (name: string, schema: Record<string, unknown>) => ({
		name,
		in: "query",
		required: false,
		schema,
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/jobs",
		summary: "List jobs, newest first",
		parameters: [
			query("queue", { type: "string" }),
			query("status", { type: "string", enum: [...jobStatuses] }),
			query("page", { type: "integer", minimum: 1 }),
			query("perPage", { type: "integer", minimum: 1, maximum: 500 }),
		],
		responses: { "200": { description: "A page of jobs" } },
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/jobs/{id}",
		summary: "A job: status, attempts, progress, result, last error",
		parameters: id,
		responses: { "200": { description: "The job", schema: jobSchema } },
	});
	docs.add({
		...base,
		method: "post",
		path: "/api/v1/jobs/{id}/retry",
		summary: "Run a failed or cancelled job again",
		parameters: id,
		responses: {
			"200": { description: "The job, waiting again", schema: jobSchema },
			"409": { description: "The job is not failed or cancelled" },
		},
	});
	docs.add({
		...base,
		method: "delete",
		path: "/api/v1/jobs/{id}",
		summary: "Cancel a waiting job",
		parameters: id,
		responses: {
			"200": { description: "The cancelled job", schema: jobSchema },
			"409": { description: "The job is running or finished" },
		},
	});
}

/** The JSON Schema of a job, for OpenAPI. */
export const jobComponentSchema = {
	type: "object",
	properties: {
		id: { type: "string" },
		queue: { type: "string" },
		name: { type: "string" },
		payload: {},
		status: { type: "string", enum: [...jobStatuses] },
		priority: { type: "integer" },
		attempts: { type: "integer" },
		maxAttempts: { type: "integer" },
		progress: {},
		result: {},
		lastError: { type: ["string", "null"] },
		uniqueKey: { type: ["string", "null"] },
		runAt: { type: "string", format: "date-time" },
		created: { type: "string", format: "date-time" },
		started: { type: ["string", "null"] },
		finished: { type: ["string", "null"] },
		traceParent: {
			type: "string",
			description:
				"The W3C traceparent of the request that enqueued the job; only with tracing on",
		},
	},
};
