import { REQUEST_LOG_TABLE } from "../../core/logs/index.js";
import { superusersOnly } from "../http/authenticate.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, pageOf, problems } from "../openapi/route-schema.js";
import {
	callerKinds,
	refuseRecordOnlyParams,
	systemListQuery,
} from "./system-list.js";

const text = { type: "string" } as const;
const textOrNull = { type: ["string", "null"] } as const;

/** One row of `_request_logs` as GET /logs answers it (core/logs REQUEST_LOG_TABLE). */
const requestLogEntry = {
	type: "object",
	required: [
		"id",
		"created",
		"method",
		"route",
		"status",
		"durationMs",
		"callerKind",
		"callerId",
		"ip",
		"userAgent",
		"requestId",
	],
	properties: {
		id: text,
		created: { type: "string", format: "date-time" },
		method: text,
		route: {
			type: "string",
			description: "The route template, e.g. /api/v1/jobs/:id, or (unmatched)",
		},
		status: { type: "integer" },
		durationMs: { type: "number" },
		callerKind: { type: "string", enum: callerKinds },
		callerId: textOrNull,
		ip: textOrNull,
		userAgent: textOrNull,
		requestId: textOrNull,
	},
};

/**
 * Binds GET /logs: the request log table (docs/operations.md#reading-the-request-log),
 * listed with the records' filter language. Superusers only; an API key needs the
 * `admin` scope.
 */
export const bindRequestLogRoute: RoutePlugin = async (server, { app }) => {
	server.get(
		"/logs",
		{
			preValidation: [superusersOnly("admin"), refuseRecordOnlyParams],
			schema: {
				summary:
					"List the request log (sampled requests, every 5xx), newest first",
				description:
					'`filter` and `sort` work as for records over the entries\' members, e.g. `status >= 500 && route ~ "records"` and `-durationMs`; `cursor`, `fields` and `expand` are refused (400).',
				tags: ["logs"],
				security: BEARER,
				querystring: systemListQuery,
				response: {
					200: json("A page of requests", pageOf(requestLogEntry)),
					...problems(400, 401, 403),
				},
			},
		},
		async (request) =>
			app.listSystemRows(
				REQUEST_LOG_TABLE,
				{ ...request.query, page: request.query.page ?? 1 },
				request.caller,
			),
	);
};
