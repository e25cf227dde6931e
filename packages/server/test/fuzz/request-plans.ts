import fc from "fast-check";
import { bodyFor } from "./body-plans.js";
import type { Operation } from "./openapi-operations.js";
import { percentEncode } from "./percent-encode.js";
import type { PlanContext, RequestPlan, Who } from "./plan-context.js";
import { headersFor } from "./request-headers.js";
import { collectionFor, pathFor, queryFor } from "./request-urls.js";
import { naughtyString } from "./schema-values.js";

/*
 * Requests made from the operations of the live OpenAPI document: a caller, a path
 * with its parameters filled in, a query string, headers and a body, each mostly
 * valid for the operation and sometimes not. Ids come from the pools of things the
 * server handed out, so most requests name records that exist.
 */

/** How often each operation is sent: reads of records most, costly ones seldom. */
export function weightOf(op: Operation): number {
	const { method, path } = op;
	if (path.endsWith("/openapi.json")) return 0.05;
	if (path.includes("/auth/password")) return 0.15;
	if (path.endsWith("/import")) return 0.5;
	if (path.endsWith("/export")) return 0.3;
	const users = op.collection === "users";
	if (/\/records(\/\{id\})?$/.test(path)) {
		if (method === "GET") return path.endsWith("{id}") ? 3 : 6;
		return users ? 0.3 : 1.2;
	}
	if (path === "/api/v1/batch") return 2;
	if (
		path.startsWith("/api/v1/collections/{collection}") &&
		!path.includes("records")
	)
		return method === "GET" ? 0.6 : 0.25;
	if (path === "/api/v1/collections") return method === "GET" ? 0.5 : 0.3;
	return method === "GET" ? 0.7 : 0.5;
}

const WHO = fc.oneof(
	{ arbitrary: fc.constant<Who>("superuser"), weight: 30 },
	{ arbitrary: fc.constant<Who>("guest"), weight: 24 },
	{ arbitrary: fc.constant<Who>("ann"), weight: 14 },
	{ arbitrary: fc.constant<Who>("bob"), weight: 10 },
	{ arbitrary: fc.constant<Who>("annKey"), weight: 13 },
	{ arbitrary: fc.constant<Who>("suKey"), weight: 9 },
);

/** The standard methods but CONNECT (RFC 9110 section 9; PATCH: RFC 5789). */
const HTTP_METHODS = [
	"GET",
	"POST",
	"PUT",
	"PATCH",
	"DELETE",
	"HEAD",
	"OPTIONS",
	"TRACE",
];

/** Authorization headers that are not a credential of this server. */
const RAW_AUTH = fc.oneof(
	fc.constantFrom(
		"Bearer",
		"Bearer ",
		"bearer x.y.z",
		"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiY29sIjoiX3N1cGVydXNlcnMifQ.",
		"Bearer eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.e30.AAAA",
		"Bearer bsk_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"Bearer bsk_",
		"Basic dXNlcjpwYXNz",
		"Token abc",
		"Bearer a b",
	),
	naughtyString.map((s) => `Bearer ${s}`),
);

/** Makes the generator of every request of a run. */
export function requestPlans(ctx: PlanContext): fc.Arbitrary<RequestPlan> {
	const weighted = ctx.operations.map((op) => ({
		arbitrary: planFor(op, ctx),
		weight: Math.max(1, Math.round(weightOf(op) * 20)),
	}));
	return fc.oneof(
		{ arbitrary: fc.oneof(...weighted), weight: 97 },
		{ arbitrary: strayPlan(ctx), weight: 3 },
	);
}

/**
 * The requests of one operation. Arbitraries are built once per operation and
 * collection (building them is dearer than drawing from them), then drawn from.
 */
function planFor(op: Operation, ctx: PlanContext): fc.Arbitrary<RequestPlan> {
	const byCollection = new Map<
		string,
		fc.Arbitrary<Omit<RequestPlan, "who" | "auth">>
	>();
	// A collection that does not exist gets the shape of one stand-in name, with its
	// own name put in the path: one arbitrary for every such name, not one each.
	const shapeFor = (collection: string) => {
		const key = ctx.targets.has(collection) ? collection : OTHER;
		let shape = byCollection.get(key);
		if (!shape) {
			shape = requestShape(op, key, ctx);
			byCollection.set(key, shape);
		}
		if (key !== OTHER) return shape;
		return shape.map((s) => ({
			...s,
			url: s.url.replace(percentEncode(OTHER), percentEncode(collection)),
			collection: s.collection === undefined ? undefined : collection,
		}));
	};
	return fc
		.tuple(WHO, AUTH, collectionFor(op, ctx))
		.chain(([who, auth, collection]) =>
			shapeFor(collection).map((shape) => ({ who, auth, ...shape })),
		);
}

/** The stand-in for collection names that do not exist (not a valid name itself). */
const OTHER = "no such collection";

/** Everything of a request but who sends it. */
function requestShape(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<Omit<RequestPlan, "who" | "auth">> {
	return fc
		.record({
			path: pathFor(op, collection, ctx),
			query: queryFor(op, collection, ctx),
			body: bodyFor(op, collection, ctx),
			headers: headersFor(op, ctx),
			method: fc.oneof(
				{ arbitrary: fc.constant(op.method), weight: 60 },
				{ arbitrary: fc.constantFrom(...HTTP_METHODS), weight: 1 },
			),
		})
		.map(({ path, query, body, headers, method }) => ({
			method,
			url: query ? `${path}?${query}` : path,
			headers: {
				...headers,
				...(body?.contentType ? { "content-type": body.contentType } : {}),
			},
			body: body?.text,
			op,
			collection: op.path.includes("/records") ? collection : undefined,
		}));
}

/** The caller's credential as issued mostly, now and then a header that is none. */
const AUTH: fc.Arbitrary<RequestPlan["auth"]> = fc.oneof(
	{ arbitrary: fc.constant({ kind: "intact" as const }), weight: 30 },
	{
		arbitrary: RAW_AUTH.map((header) => ({ kind: "raw" as const, header })),
		weight: 1,
	},
);

/** Requests to paths the document does not have, or with made-up methods. */
function strayPlan(ctx: PlanContext): fc.Arbitrary<RequestPlan> {
	const paths = fc.oneof(
		fc.constantFrom(
			"/",
			"/api",
			"/api/v1",
			"/api/v1/",
			"/api/v2/collections",
			"/API/V1/collections",
			"//api/v1//collections",
			"/api/v1/collections/",
			"/api/v1/collections/posts/records/",
			"/api/v1/collections/posts/records/../../users/records",
			"/api/v1/collections/posts/records/%2e%2e/%2e%2e",
			"/api/v1/collections/posts%2Frecords",
			"/api/v1/collections/%zz/records",
			"/api/v1/collections/%/records",
			"/api/v1/collections/%C0%AE%C0%AE/records",
			`/api/v1/collections/${"a".repeat(300)}/records`,
			"/docs",
			"/docs/",
			"/docs/init.js",
			"/docs/../package.json",
			"/metrics",
			"/health/live",
			"/health/ready",
			"/favicon.ico",
			"/.env",
			"/api/v1/openapi.json/..",
		),
		naughtyString.map((s) => `/api/v1/${percentEncode(s)}`),
		fc.constantFrom(...ctx.operations).map((op) => op.path),
	);
	return fc
		.record({
			who: WHO,
			path: paths,
			method: fc.constantFrom(...HTTP_METHODS, "PROPFIND", "M-SEARCH"),
			body: fc.option(fc.constantFrom('{"a":1}', "x"), { nil: undefined }),
		})
		.map(
			({ who, path, method, body }): RequestPlan => ({
				who,
				auth: { kind: "intact" },
				method,
				url: path,
				headers: body
					? { "content-type": "application/json" }
					: ({} as Record<string, string>),
				body,
				op: undefined,
				collection: undefined,
			}),
		);
}
