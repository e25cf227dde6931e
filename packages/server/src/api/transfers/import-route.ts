import { Readable } from "node:stream";
import { AppError } from "../../core/errors/index.js";
import type { ImportFormat } from "../../core/imports/index.js";
import { detachRequestBody } from "../http/detach-request-body.js";
import { choiceParam, queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { jobRef } from "../jobs/job-schema.js";
import { BEARER, json, problems } from "../openapi/route-schema.js";

const FORMATS: Record<string, ImportFormat> = {
	"text/csv": "csv",
	"application/x-ndjson": "ndjson",
	"application/ndjson": "ndjson",
};

const importQuery = queryOf({
	onError: {
		...choiceParam(
			["skip", "abort"],
			"skip: import the good rows and report the bad ones; abort: import nothing if one row is bad",
		),
		default: "skip",
	},
	upsert: {
		type: "string",
		description:
			"A field with a unique index of its own: rows matching a record update it",
	},
});

/**
 * Binds POST /collections/{collection}/import (docs/jobs.md#imports). The body is a
 * CSV or NDJSON stream of any size: it is written to the data dir as it arrives,
 * never buffered, and an import job does the rest; the answer is 202 pointing at the
 * job.
 */
export const bindImportRoute: RoutePlugin = async (server, { app }) => {
	// Only in this plugin: elsewhere a CSV body stays a 415. The parser hands over the
	// body as a stream, which the import may destroy when it refuses the file (413).
	server.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) =>
		done(null, detachRequestBody(payload)),
	);
	server.post(
		"/collections/:collection/import",
		{
			schema: {
				summary:
					"Import a CSV or NDJSON file of any size as a job (rows validated as API creates are)",
				description:
					"CSV has a header row; NDJSON is one JSON object per line. Up to BASALT_IMPORT_MAX_BYTES (413 past it); the job's progress and result report the rows imported and refused.",
				tags: ["records"],
				security: BEARER,
				params: {
					type: "object",
					properties: {
						collection: { type: "string", description: "Collection name" },
					},
					required: ["collection"],
				},
				querystring: importQuery,
				// Documented only: a `body` schema would have Fastify validate the stream.
				bodyDoc: {
					type: "string",
					description: "The file: CSV with a header row, or NDJSON",
				},
				consumes: ["text/csv", "application/x-ndjson"],
				response: {
					202: {
						...json("Queued: Location is the job", jobRef),
						headers: {
							Location: {
								description: "The import job's URL",
								schema: { type: "string" },
							},
						},
					},
					...problems(400, 401, 403, 404, 413, 415),
				},
			},
		},
		async (request, reply) => {
			const type =
				(request.headers["content-type"] ?? "")
					.split(";")[0]
					?.trim()
					.toLowerCase() ?? "";
			const format = FORMATS[type];
			// A JSON body reaches here parsed (the server's JSON parser): not a file.
			const body = request.body;
			if (!format || !(body instanceof Readable)) {
				throw new AppError("UNSUPPORTED_MEDIA_TYPE", {
					detail: "Send the file as text/csv or application/x-ndjson.",
				});
			}
			const job = await app.imports.start({
				collection: request.params.collection,
				format,
				onError: request.query.onError,
				upsert: request.query.upsert,
				caller: request.caller,
				body,
			});
			return reply
				.code(202)
				.header("location", `/api/v1/jobs/${job.id}`)
				.send(job);
		},
	);
};
