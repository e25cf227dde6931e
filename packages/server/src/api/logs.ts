import type { FastifyInstance } from "fastify";
import type { App } from "../core/app/index.js";
import {
	AUDIT_TABLE,
	REQUEST_LOG_TABLE,
	requestStats,
} from "../core/logs/index.js";
import { type ApiDocs, pageSchema, type Schema } from "./api-docs.js";
import { requireSuperuser } from "./http/authenticate.js";
import { parseListQuery } from "./list-query.js";
import { invalidParam, type Query, singleParam } from "./query-params.js";

/** Reads the list parameters records accept, minus those a system table has no use for. */
function parseSystemListQuery(query: Query) {
	for (const name of ["cursor", "fields", "expand"]) {
		if (query[name] !== undefined)
			throw invalidParam(name, "is not supported by this list");
	}
	const { filter, sort, page, perPage, skipTotal } = parseListQuery(query);
	return { filter, sort, page, perPage, skipTotal };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `1m`, `5m`, `1h`, `1d`: a bucket width in seconds. */
function intervalParam(query: Query): number {
	const raw = singleParam(query, "interval") ?? "1m";
	const match = /^(\d{1,6})([smhd])$/.exec(raw);
	const seconds = match
		? Number(match[1]) * (UNITS[match[2] as string] as number)
		: 0;
	if (seconds < 1)
		throw invalidParam(
			"interval",
			"must be a whole number and a unit s, m, h or d (such as 1m or 5m)",
		);
	return seconds;
}

function dateParam(query: Query, name: string, fallback: Date): Date {
	const raw = singleParam(query, name);
	if (raw === undefined) return fallback;
	const date = /^\d{4}-\d{2}-\d{2}/.test(raw)
		? new Date(raw)
		: new Date(Number.NaN);
	if (Number.isNaN(date.getTime()))
		throw invalidParam(
			name,
			"must be an ISO 8601 date-time such as 2026-01-02T03:04:05Z",
		);
	return date;
}

/** Audit details are stored as JSON text; the API answers them as an object. */
function parseDetails(item: Record<string, unknown>): Record<string, unknown> {
	const details = item.details;
	return {
		...item,
		details: typeof details === "string" ? JSON.parse(details) : null,
	};
}

/**
 * Binds the observability lists (issue 5): the request log, its statistics and the
 * audit trail. Superusers only; an API key needs the `admin` scope.
 */
export function bindLogRoutes(
	server: FastifyInstance,
	app: App,
	docs: ApiDocs,
): void {
	server.get("/api/v1/logs", async (request) => {
		requireSuperuser(request, "admin");
		return app.listSystemRows(
			REQUEST_LOG_TABLE,
			parseSystemListQuery(request.query as Query),
			request.caller,
		);
	});
	server.get("/api/v1/logs/stats", async (request) => {
		requireSuperuser(request, "admin");
		const query = request.query as Query;
		const to = dateParam(query, "to", app.clock());
		const from = dateParam(query, "from", new Date(to.getTime() - 3600_000));
		return requestStats(app.db, {
			from,
			to,
			intervalSeconds: intervalParam(query),
		});
	});
	server.get("/api/v1/audit", async (request) => {
		requireSuperuser(request, "admin");
		const page = await app.listSystemRows(
			AUDIT_TABLE,
			parseSystemListQuery(request.query as Query),
			request.caller,
		);
		return { ...page, items: page.items.map(parseDetails) };
	});
	describe(docs);
}

function describe(docs: ApiDocs): void {
	const base = { tag: "logs", auth: true } as const;
	const query = (name: string, schema: Schema, description: string) => ({
		name,
		in: "query",
		required: false,
		description,
		schema,
	});
	const listParams = [
		query(
			"filter",
			{ type: "string" },
			'A filter in the records filter language, such as `status >= 500 && route ~ "records"`.',
		),
		query(
			"sort",
			{ type: "string" },
			"Sort keys, such as `-created` (the default) or `-durationMs`.",
		),
		query("page", { type: "integer", minimum: 1 }, "Page number, from 1."),
		query(
			"perPage",
			{ type: "integer", minimum: 1, maximum: 500 },
			"Rows per page (default 30).",
		),
		query("skipTotal", { type: "boolean" }, "Skip counting; totals are -1."),
	];
	const problems = {
		"400": { description: "A bad filter, sort or parameter (problem+json)" },
		"401": { description: "No credentials" },
		"403": {
			description: "Not a superuser, or an API key without the admin scope",
		},
	};
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/logs",
		summary: "List the request log (sampled requests, every 5xx), newest first",
		parameters: listParams,
		responses: {
			"200": {
				description: "A page of requests",
				schema: pageSchema(requestLogSchema),
			},
			...problems,
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/logs/stats",
		summary:
			"Requests per bucket, error rates and p50/p95/p99 latency over a range",
		parameters: [
			query(
				"from",
				{ type: "string", format: "date-time" },
				"Start (inclusive); default one hour before `to`.",
			),
			query(
				"to",
				{ type: "string", format: "date-time" },
				"End (exclusive); default now. At most 31 days after `from`.",
			),
			query(
				"interval",
				{ type: "string", pattern: "^\\d+[smhd]$" },
				"Bucket width, such as `1m` (the default) or `1h`; at most 2000 buckets.",
			),
		],
		responses: {
			"200": { description: "The statistics", schema: requestStatsSchema },
			...problems,
		},
	});
	docs.add({
		...base,
		method: "get",
		path: "/api/v1/audit",
		summary: "List the audit trail of security-relevant actions, newest first",
		parameters: listParams,
		responses: {
			"200": {
				description: "A page of audit entries",
				schema: pageSchema(auditEntrySchema),
			},
			...problems,
		},
	});
}

const text = { type: "string" };
const nullableText = { type: ["string", "null"] };

const requestLogSchema: Schema = {
	type: "object",
	properties: {
		id: text,
		created: { type: "string", format: "date-time" },
		method: text,
		route: text,
		status: { type: "integer" },
		durationMs: { type: "number" },
		callerKind: { type: "string", enum: ["guest", "superuser", "record"] },
		callerId: nullableText,
		ip: nullableText,
		userAgent: nullableText,
		requestId: nullableText,
	},
};

const auditEntrySchema: Schema = {
	type: "object",
	properties: {
		id: text,
		created: { type: "string", format: "date-time" },
		action: text,
		actorKind: {
			type: "string",
			enum: ["guest", "superuser", "record", "system"],
		},
		actorId: nullableText,
		collection: nullableText,
		recordId: nullableText,
		ip: nullableText,
		details: { type: ["object", "null"] },
	},
};

const bucketSchema: Schema = {
	type: "object",
	properties: {
		start: { type: "string", format: "date-time" },
		requests: { type: "integer" },
		perMinute: { type: "number" },
		serverErrors: { type: "integer" },
		clientErrors: { type: "integer" },
	},
};

const requestStatsSchema: Schema = {
	type: "object",
	properties: {
		from: { type: "string", format: "date-time" },
		to: { type: "string", format: "date-time" },
		interval: { type: "integer", description: "Bucket width in seconds" },
		requests: { type: "integer" },
		serverErrors: { type: "integer" },
		clientErrors: { type: "integer" },
		errorRate: { type: "number", description: "5xx / requests" },
		clientErrorRate: { type: "number", description: "4xx / requests" },
		latency: {
			type: "object",
			properties: {
				p50: { type: ["number", "null"] },
				p95: { type: ["number", "null"] },
				p99: { type: ["number", "null"] },
			},
		},
		buckets: { type: "array", items: bucketSchema },
	},
};
