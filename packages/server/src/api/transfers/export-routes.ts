import { choiceParam, filterParams, queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { jobRef } from "../jobs/job-schema.js";
import { BEARER, json, problems } from "../openapi/route-schema.js";

const exportQuery = queryOf({
	format: {
		...choiceParam(["csv", "ndjson"], "The file's format"),
		default: "csv",
	},
	...filterParams,
	includeEncrypted: {
		type: "boolean",
		default: false,
		description:
			"Write the values of encrypted fields, in clear, into the file (left out by default: docs/security.md#encrypted-fields)",
	},
});
const file = { type: "string", description: "The file's bytes" };

/**
 * Binds exports (docs/jobs.md#exports): POST …/export queues a job that writes the
 * records the caller may list to a file; GET /jobs/{id}/download streams it to
 * whoever asked for it, or a superuser.
 */
export const bindExportRoutes: RoutePlugin = async (server, { app }) => {
	server.post(
		"/collections/:collection/export",
		{
			schema: {
				summary:
					"Export the records the caller may list (with an optional filter and sort) to CSV or NDJSON, as a job",
				tags: ["records"],
				security: BEARER,
				params: {
					type: "object",
					properties: {
						collection: { type: "string", description: "Collection name" },
					},
					required: ["collection"],
				},
				querystring: exportQuery,
				response: {
					202: {
						...json(
							"Queued: Location is the job; once completed, GET /api/v1/jobs/{id}/download gives the file",
							jobRef,
						),
						headers: {
							Location: {
								description: "The export job's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 404),
				},
			},
		},
		async (request, reply) => {
			const { format, filter, sort, includeEncrypted } = request.query;
			const job = await app.exports.start({
				collection: request.params.collection,
				format,
				filter,
				sort,
				includeEncrypted,
				caller: request.caller,
			});
			return reply
				.code(202)
				.header("location", `/api/v1/jobs/${job.id}`)
				.send(job);
		},
	);
	server.get(
		"/jobs/:id/download",
		{
			schema: {
				summary: "Download a finished export (its creator or a superuser)",
				description:
					"Anyone else, and any job that is not an export, gets 404 JOB_NOT_FOUND; an unfinished export 409 EXPORT_NOT_READY.",
				tags: ["jobs"],
				security: BEARER,
				params: {
					type: "object",
					properties: { id: { type: "string", description: "Job id" } },
					required: ["id"],
				},
				response: {
					200: {
						description: "The file",
						content: {
							"text/csv": { schema: file },
							"application/x-ndjson": { schema: file },
						},
						headers: {
							"Content-Disposition": {
								description:
									'attachment; filename="<collection>-<job id>.<format>"',
								schema: { type: "string" },
							},
						},
					},
					...problems(401, 403, 404, 409),
				},
			},
		},
		async (request, reply) => {
			const download = await app.exports.download(
				request.params.id,
				request.caller,
			);
			return reply
				.type(download.contentType)
				.header(
					"content-disposition",
					`attachment; filename="${download.filename}"`,
				)
				.header("cache-control", "private, no-store")
				.send(download.body);
		},
	);
};
