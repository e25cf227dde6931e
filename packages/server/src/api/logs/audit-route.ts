import { AUDIT_TABLE } from "../../core/logs/index.js";
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

/** One entry of `_audit_log` as GET /audit answers it (core/audit AuditRow). */
const auditEntry = {
	type: "object",
	required: [
		"id",
		"created",
		"action",
		"actorKind",
		"actorId",
		"collection",
		"recordId",
		"ip",
		"details",
	],
	properties: {
		id: text,
		created: { type: "string", format: "date-time" },
		action: {
			type: "string",
			description:
				"What happened, e.g. auth.login or webhook.created (docs/operations.md#audit-trail)",
		},
		actorKind: {
			type: "string",
			enum: [...callerKinds, "system"],
			description: "Who acted; `system` for Basalt itself",
		},
		actorId: textOrNull,
		collection: textOrNull,
		recordId: {
			...textOrNull,
			description:
				"The record concerned, or the API key, client, webhook or provider",
		},
		ip: textOrNull,
		details: {
			type: ["object", "null"],
			description: "A few plain facts; never a password, token or secret",
			additionalProperties: { type: ["string", "number", "boolean"] },
		},
	},
};

/** Audit details are stored as JSON text; the API answers them as an object. */
function parseDetails(item: Record<string, unknown>): Record<string, unknown> {
	const details = item.details;
	return {
		...item,
		details: typeof details === "string" ? JSON.parse(details) : null,
	};
}

/**
 * Binds GET /audit: the audit trail of security-relevant actions
 * (docs/operations.md#audit-trail), listed with the records' filter language.
 * Superusers only; an API key needs the `admin` scope.
 */
export const bindAuditRoute: RoutePlugin = async (server, { app }) => {
	server.get(
		"/audit",
		{
			preValidation: [superusersOnly("admin"), refuseRecordOnlyParams],
			schema: {
				summary:
					"List the audit trail of security-relevant actions, newest first",
				description:
					'`filter` and `sort` work as for records over the entries\' members (`details` as its JSON text), e.g. `action ~ "api_key."`; `cursor`, `fields` and `expand` are refused (400).',
				tags: ["logs"],
				security: BEARER,
				querystring: systemListQuery,
				response: {
					200: json("A page of audit entries", pageOf(auditEntry)),
					...problems(400, 401, 403),
				},
			},
		},
		async (request) => {
			const page = await app.listSystemRows(
				AUDIT_TABLE,
				{ ...request.query, page: request.query.page ?? 1 },
				request.caller,
			);
			return { ...page, items: page.items.map(parseDetails) };
		},
	);
};
