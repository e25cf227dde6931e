import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ApiDocs } from "./api-docs.js";
import { choiceParam, type Query, singleParam } from "./query-params.js";
import { collectionPathParameter } from "./records-docs.js";

/**
 * Binds exports (SPEC section 8): POST …/export queues a job that writes the file;
 * GET /api/v1/jobs/{id}/download streams it to whoever asked for it.
 */
export function bindExportRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.post(
		"/api/v1/collections/:collection/export",
		async (request, reply) => {
			const query = request.query as Query;
			const format =
				choiceParam(query, "format", ["csv", "ndjson"] as const) ?? "csv";
			const job = await app.exports.start({
				collection: (request.params as { collection: string }).collection,
				format,
				filter: singleParam(query, "filter"),
				sort: singleParam(query, "sort"),
				caller: request.caller,
			});
			return reply
				.code(202)
				.header("location", `/api/v1/jobs/${job.id}`)
				.send(job);
		},
	);
	server.get("/api/v1/jobs/:id/download", async (request, reply) => {
		const download = await app.exports.download(
			(request.params as { id: string }).id,
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
	});
	describe(docs);
}

function describe(docs: ApiDocs): void {
	docs.add({
		method: "post",
		path: "/api/v1/collections/{collection}/export",
		summary:
			"Export the records the caller may list (with an optional filter and sort) to CSV or NDJSON, as a job",
		tag: "records",
		auth: true,
		parameters: [
			collectionPathParameter,
			{
				name: "format",
				in: "query",
				required: false,
				schema: { type: "string", enum: ["csv", "ndjson"], default: "csv" },
			},
			{
				name: "filter",
				in: "query",
				required: false,
				schema: { type: "string" },
			},
			{
				name: "sort",
				in: "query",
				required: false,
				schema: { type: "string" },
			},
		],
		responses: {
			"202": {
				description:
					"Queued: Location is the job; its result names the download",
			},
		},
	});
	docs.add({
		method: "get",
		path: "/api/v1/jobs/{id}/download",
		summary: "Download a finished export (its creator or a superuser)",
		tag: "jobs",
		auth: true,
		parameters: [
			{ name: "id", in: "path", required: true, schema: { type: "string" } },
		],
		responses: {
			"200": { description: "The file" },
			"409": { description: "Not finished yet" },
		},
	});
}
