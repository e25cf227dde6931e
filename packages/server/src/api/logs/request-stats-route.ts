import { AppError } from "../../core/errors/index.js";
import { requestStats } from "../../core/logs/index.js";
import { parseDateTime } from "../../tools/time/index.js";
import { superusersOnly } from "../http/authenticate.js";
import { queryOf } from "../http/query-params.js";
import type { RoutePlugin } from "../http/type-provider.js";
import { BEARER, json, problems } from "../openapi/route-schema.js";

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

// `from` and `to` are read by the handler, not by a `date-time` format: a date alone
// (2026-01-02) is accepted, as it always was.
const statsQuery = queryOf({
	from: {
		type: "string",
		description:
			"Start (inclusive), ISO 8601 such as 2026-01-02T03:04:05Z; default one hour before `to`",
	},
	to: {
		type: "string",
		description:
			"End (exclusive), ISO 8601; default now. At most 31 days after `from`",
	},
	interval: {
		type: "string",
		default: "1m",
		description:
			"Bucket width: a whole number and s, m, h or d, such as `1m` or `1h`; at most 2000 buckets",
	},
});

const count = { type: "integer" } as const;
const bucket = {
	type: "object",
	required: ["start", "requests", "perMinute", "serverErrors", "clientErrors"],
	properties: {
		start: { type: "string", format: "date-time" },
		requests: count,
		perMinute: { type: "number" },
		serverErrors: count,
		clientErrors: count,
	},
};
const percentile = { type: ["number", "null"] } as const;
/** The answer of GET /logs/stats (core/logs RequestStats). */
const requestStatsSchema = {
	type: "object",
	required: [
		"from",
		"to",
		"interval",
		"requests",
		"serverErrors",
		"clientErrors",
		"errorRate",
		"clientErrorRate",
		"latency",
		"buckets",
	],
	properties: {
		from: { type: "string", format: "date-time" },
		to: { type: "string", format: "date-time" },
		interval: { type: "integer", description: "Bucket width in seconds" },
		requests: count,
		serverErrors: count,
		clientErrors: count,
		errorRate: { type: "number", description: "5xx / requests" },
		clientErrorRate: { type: "number", description: "4xx / requests" },
		latency: {
			type: "object",
			description: "Nearest-rank percentiles in ms; null without rows",
			required: ["p50", "p95", "p99"],
			properties: { p50: percentile, p95: percentile, p99: percentile },
		},
		buckets: { type: "array", items: bucket },
	},
};

/**
 * Binds GET /logs/stats: requests per bucket, error rates and latency percentiles
 * over a time range (docs/operations.md#reading-the-request-log). Superusers only;
 * an API key needs the `admin` scope.
 */
export const bindRequestStatsRoute: RoutePlugin = async (server, { app }) => {
	server.get(
		"/logs/stats",
		{
			preValidation: superusersOnly("admin"),
			schema: {
				summary:
					"Requests per bucket, error rates and p50/p95/p99 latency over a range",
				tags: ["logs"],
				security: BEARER,
				querystring: statsQuery,
				response: {
					200: json("The statistics", requestStatsSchema),
					...problems(400, 401, 403),
				},
			},
		},
		async (request) => {
			const { query } = request;
			const to = dateOf("to", query.to, app.clock());
			const from = dateOf(
				"from",
				query.from,
				new Date(to.getTime() - 3600_000),
			);
			return requestStats(app.db, {
				from,
				to,
				intervalSeconds: secondsOf(query.interval),
			});
		},
	);
};

/** `30s`, `1m`, `5m`, `1h`, `1d`: a bucket width in seconds. */
function secondsOf(interval: string): number {
	const match = /^(\d{1,6})([smhd])$/.exec(interval);
	const seconds = match
		? Number(match[1]) * (UNITS[match[2] as string] as number)
		: 0;
	if (seconds < 1)
		throw invalidQuery(
			"interval",
			"must be a whole number and a unit s, m, h or d (such as 1m or 5m)",
		);
	return seconds;
}

/**
 * Reads `from` or `to` as parseDateTime does everywhere else, so a year outside 0001 to
 * 9999 is a 400 (PostgreSQL has no year 0); a default is held to the same range.
 */
function dateOf(name: string, given: string | undefined, fallback: Date): Date {
	const iso = parseDateTime(given ?? fallback.toISOString());
	if (iso === undefined)
		throw invalidQuery(
			name,
			"must be an ISO 8601 date-time from the years 0001 to 9999, such as 2026-01-02T03:04:05Z",
		);
	return new Date(iso);
}

function invalidQuery(name: string, message: string): AppError {
	return new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}
