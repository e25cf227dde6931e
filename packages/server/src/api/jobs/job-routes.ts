import { jobStatuses } from "../../core/jobs/index.js";
import { superusersOnly } from "../http/authenticate.js";
import { choiceParam, pageParams, queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, pageOf, problems } from "../openapi/route-schema.js";
import { jobRef } from "./job-schema.js";

const idParams = {
	type: "object",
	properties: { id: { type: "string", description: "Job id" } },
	required: ["id"],
} as const;
const listQuery = queryOf({
	queue: { type: "string", description: "Only this queue's jobs" },
	status: choiceParam(jobStatuses, "Only jobs in this status"),
	...pageParams,
});
const base = { tags: ["jobs"], security: BEARER } as const;

/**
 * Binds the jobs API (docs/jobs.md#the-jobs-api-superusers): list, view, retry and
 * cancel. Superusers only; an API key needs the `jobs` scope.
 */
export const bindJobRoutes: RoutePlugin = async (server, { app }) => {
	const preValidation = superusersOnly("jobs");
	server.get(
		"/jobs",
		{
			preValidation,
			schema: {
				...base,
				summary: "List jobs, newest first",
				description:
					"An unknown `queue` is a 404 QUEUE_NOT_FOUND, an unknown `status` a 400.",
				querystring: listQuery,
				response: {
					200: json("A page of jobs", pageOf(jobRef)),
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request) => {
			const { page = 1, perPage, ...filter } = request.query;
			const { items, totalItems } = await app.jobs.list({
				...filter,
				page,
				perPage,
			});
			return {
				items,
				page,
				perPage,
				totalItems,
				totalPages: Math.ceil(totalItems / perPage),
			};
		},
	);
	server.get(
		"/jobs/:id",
		{
			preValidation,
			schema: {
				...base,
				summary: "A job: status, attempts, progress, result, last error",
				params: idParams,
				response: {
					200: json("The job", jobRef),
					...problems(401, 403, 404),
				},
			},
		},
		async (request) => app.jobs.get(request.params.id),
	);
	server.post(
		"/jobs/:id/retry",
		{
			preValidation,
			schema: {
				...base,
				summary: "Run a failed or cancelled job again, with fresh attempts",
				params: idParams,
				response: {
					200: json("The job, waiting again", jobRef),
					...problems(401, 403, 404, 409),
				},
			},
		},
		async (request) => app.jobs.retry(request.params.id),
	);
	server.delete(
		"/jobs/:id",
		{
			preValidation,
			schema: {
				...base,
				summary: "Cancel a waiting or delayed job",
				params: idParams,
				response: {
					200: json("The cancelled job", jobRef),
					...problems(401, 403, 404, 409),
				},
			},
		},
		async (request) => app.jobs.cancel(request.params.id),
	);
};
