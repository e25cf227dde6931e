import { sql } from "kysely";
import type { Database } from "../db/index.js";
import { AppError } from "../errors/index.js";

/** What GET /api/v1/logs/stats asks for, already parsed. */
export interface StatsRange {
	from: Date;
	to: Date;
	/** Bucket width in seconds. */
	intervalSeconds: number;
}

/** One time bucket. */
export interface StatsBucket {
	start: string;
	requests: number;
	perMinute: number;
	serverErrors: number;
	clientErrors: number;
}

/** Traffic, errors and latency over a time range. */
export interface RequestStats {
	from: string;
	to: string;
	interval: number;
	requests: number;
	serverErrors: number;
	clientErrors: number;
	/** 5xx / all requests, 0 when there were none. */
	errorRate: number;
	/** 4xx / all requests. */
	clientErrorRate: number;
	/** Nearest-rank percentiles of duration in ms over the stored rows; null without rows. */
	latency: { p50: number | null; p95: number | null; p99: number | null };
	buckets: StatsBucket[];
}

/** Longest range one stats call may cover, and most buckets it may return. */
const MAX_RANGE_MS = 31 * 24 * 3600_000;
const MAX_BUCKETS = 2000;

/**
 * Computes request statistics from `_request_logs`, the same way on SQLite and
 * PostgreSQL: counts are sums of row weights (so sampling does not skew them), and
 * percentiles use the nearest-rank method (the smallest duration d such that at least
 * p% of rows took no longer than d), read with ORDER BY ... OFFSET. Exact on both
 * databases; no percentile_cont, which SQLite lacks.
 */
export async function requestStats(
	db: Database,
	range: StatsRange,
): Promise<RequestStats> {
	checkRange(range);
	const from = range.from.toISOString();
	const to = range.to.toISOString();
	const fromEpoch = Math.floor(range.from.getTime() / 1000);
	const inRange = sql`created >= ${from} AND created < ${to}`;
	const bucket = sql`CAST((${db.dialect.epochSeconds(sql.ref("created"))} - ${fromEpoch}) / ${range.intervalSeconds} AS BIGINT)`;
	// GROUP BY 1: PostgreSQL would see the bucket expression's parameters repeated in
	// GROUP BY as a different expression.
	const rows = await db.read<Record<string, unknown>>(
		sql`SELECT ${bucket} AS b, SUM(weight) AS requests,
			SUM(CASE WHEN status >= 500 THEN weight ELSE 0 END) AS server_errors,
			SUM(CASE WHEN status >= 400 AND status < 500 THEN weight ELSE 0 END) AS client_errors
			FROM _request_logs WHERE ${inRange} GROUP BY 1 ORDER BY 1`.compile(
			db.kysely,
		),
	);
	const perBucket = new Map(rows.map((r) => [Number(r.b), r]));
	const count = Math.ceil(
		(range.to.getTime() - fromEpoch * 1000) / 1000 / range.intervalSeconds,
	);
	const buckets: StatsBucket[] = [];
	let requests = 0;
	let serverErrors = 0;
	let clientErrors = 0;
	for (let i = 0; i < count; i++) {
		const r = perBucket.get(i);
		const b = {
			start: new Date(
				(fromEpoch + i * range.intervalSeconds) * 1000,
			).toISOString(),
			requests: Math.round(Number(r?.requests ?? 0)),
			perMinute: 0,
			serverErrors: Math.round(Number(r?.server_errors ?? 0)),
			clientErrors: Math.round(Number(r?.client_errors ?? 0)),
		};
		b.perMinute = round((b.requests * 60) / range.intervalSeconds);
		requests += b.requests;
		serverErrors += b.serverErrors;
		clientErrors += b.clientErrors;
		buckets.push(b);
	}
	return {
		from,
		to,
		interval: range.intervalSeconds,
		requests,
		serverErrors,
		clientErrors,
		errorRate: requests === 0 ? 0 : round(serverErrors / requests),
		clientErrorRate: requests === 0 ? 0 : round(clientErrors / requests),
		latency: await percentiles(db, inRange),
		buckets,
	};
}

async function percentiles(
	db: Database,
	inRange: ReturnType<typeof sql>,
): Promise<RequestStats["latency"]> {
	const [count] = await db.read<{ n: unknown }>(
		sql`SELECT count(*) AS n FROM _request_logs WHERE ${inRange}`.compile(
			db.kysely,
		),
	);
	const n = Number(count?.n ?? 0);
	const at = async (p: number): Promise<number | null> => {
		if (n === 0) return null;
		const rank = Math.max(1, Math.ceil(p * n));
		const [row] = await db.read<{ d: unknown }>(
			sql`SELECT duration_ms AS d FROM _request_logs WHERE ${inRange} ORDER BY duration_ms LIMIT 1 OFFSET ${rank - 1}`.compile(
				db.kysely,
			),
		);
		return row ? Number(row.d) : null;
	};
	return { p50: await at(0.5), p95: await at(0.95), p99: await at(0.99) };
}

function checkRange(range: StatsRange): void {
	const span = range.to.getTime() - range.from.getTime();
	if (!(span > 0)) throw invalidRange("from", "must be before to");
	if (span > MAX_RANGE_MS)
		throw invalidRange("from", "the range may cover at most 31 days");
	if (span / 1000 / range.intervalSeconds > MAX_BUCKETS)
		throw invalidRange(
			"interval",
			`gives more than ${MAX_BUCKETS} buckets over this range; choose a wider one`,
		);
}

function invalidRange(name: string, message: string): AppError {
	return new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}

function round(x: number): number {
	return Math.round(x * 10000) / 10000;
}
