import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import type { ImportFormat } from "../core/imports/index.js";
import { AppError } from "../tools/errors/index.js";
import type { ApiDocs } from "./api-docs.js";
import { detachRequestBody } from "./http/detach-request-body.js";
import { choiceParam, type Query, singleParam } from "./query-params.js";
import { collectionPathParameter } from "./records-docs.js";

const FORMATS: Record<string, ImportFormat> = {
	"text/csv": "csv",
	"application/x-ndjson": "ndjson",
	"application/ndjson": "ndjson",
};

/**
 * Binds POST /api/v1/collections/{c}/import (SPEC section 8). The body is a CSV or
 * NDJSON stream of any size: it is written to the data dir as it arrives, never
 * buffered, and an import job does the rest; the answer is 202 pointing at the job.
 */
export async function bindImportRoute(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): Promise<void> {
	await server.register((scope, _options, registered) => {
		// Only here: elsewhere a CSV body stays a 415. The parser hands over the body as a
		// stream, which the import may destroy when it refuses the file (413).
		scope.addContentTypeParser(
			Object.keys(FORMATS),
			(_request, payload, done) => done(null, detachRequestBody(payload)),
		);
		scope.post(
			"/api/v1/collections/:collection/import",
			async (request, reply) => {
				const type =
					(request.headers["content-type"] ?? "")
						.split(";")[0]
						?.trim()
						.toLowerCase() ?? "";
				const format = FORMATS[type];
				if (!format) {
					throw new AppError("UNSUPPORTED_MEDIA_TYPE", {
						detail: "Send the file as text/csv or application/x-ndjson.",
					});
				}
				const query = request.query as Query;
				const onError =
					choiceParam(query, "onError", ["skip", "abort"] as const) ?? "skip";
				const upsert = singleParam(query, "upsert");
				const job = await app.imports.start({
					collection: (request.params as { collection: string }).collection,
					format,
					onError,
					upsert,
					caller: request.caller,
					body: request.body as Readable,
				});
				return reply
					.code(202)
					.header("location", `/api/v1/jobs/${job.id}`)
					.send(job);
			},
		);
		registered();
	});
	docs.add({
		method: "post",
		path: "/api/v1/collections/{collection}/import",
		summary:
			"Import a CSV or NDJSON file of any size as a job (rows validated as API creates are)",
		tag: "records",
		auth: true,
		parameters: [
			collectionPathParameter,
			{
				name: "onError",
				in: "query",
				required: false,
				schema: { type: "string", enum: ["skip", "abort"], default: "skip" },
			},
			{
				name: "upsert",
				in: "query",
				required: false,
				description: "A field with a unique index: matching rows update",
				schema: { type: "string" },
			},
		],
		responses: {
			"202": { description: "Queued: Location is the job" },
			"415": { description: "Not CSV or NDJSON" },
		},
	});
}
