import fc from "fast-check";
import { poolOf } from "./fuzz-pools.js";
import {
	cursorFor,
	expandFor,
	fieldsFor,
	filterFor,
	type ListTarget,
	sortFor,
} from "./list-params.js";
import type { JsonSchema, Operation, ParamSpec } from "./openapi-operations.js";
import { percentEncode } from "./percent-encode.js";
import {
	listContext,
	nameFrom,
	type PlanContext,
	pooled,
	rarely,
	SCRATCH,
} from "./plan-context.js";
import {
	anyText,
	isoDate,
	naughtyString,
	uuidV7,
	webUrl,
} from "./schema-values.js";

/*
 * The URL of a request: the collection it names, its path parameters (ids from the
 * pools, fresh ids, naughty strings) and its query string (list parameters built for
 * the list they go to, hostile values, repeats and unknown names now and then).
 */

/** The collection a request names: the operation's own, or one picked for `{collection}`. */
export function collectionFor(
	op: Operation,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	if (op.collection) return fc.constant(op.collection);
	if (!op.path.includes("{collection}")) return fc.constant("");
	const adminWrite =
		op.path === "/api/v1/collections/{collection}" && op.method !== "GET";
	const known = adminWrite ? SCRATCH : [...ctx.fixture, ...SCRATCH];
	return nameFrom(
		known,
		[
			"nope",
			"_superusers",
			"_api_keys",
			"_jobs",
			"sqlite_master",
			"pg_catalog",
			"Posts",
			"posts ",
			"posts;",
		],
		12,
	);
}

/** The path of a request: the template with its parameters filled in and encoded. */
export function pathFor(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	const params = op.params.filter((p) => p.in === "path");
	if (params.length === 0) return fc.constant(op.path);
	return fc
		.tuple(
			...params.map((p) =>
				p.name === "collection"
					? fc.constant(collection)
					: pathValue(op, p, collection, ctx),
			),
		)
		.map((values) =>
			params.reduce(
				(path, p, i) =>
					path.replace(`{${p.name}}`, percentEncode(values[i] as string)),
				op.path,
			),
		);
}

function pathValue(
	op: Operation,
	param: ParamSpec,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	let pool = poolOf(op.path, param.name);
	if (pool === "records:*") pool = `records:${collection}`;
	if (pool === "impersonate") pool = `records:${collection}`;
	return fc.oneof(
		{ arbitrary: pooled(ctx, pool), weight: 10 },
		{ arbitrary: uuidV7, weight: 1 },
		{ arbitrary: naughtyString, weight: 1 },
	);
}

/** The query string of a request: its documented parameters, now and then more. */
export function queryFor(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	const params = op.params.filter((p) => p.in === "query");
	const target = listTargetOf(op, collection, ctx);
	const pairs = params.map((p) => {
		const pair = queryValue(p, target, ctx).map((v) => [p.name, v] as const);
		return p.required ? pair : rarely(pair, 2);
	});
	const extra = rarely(
		fc.oneof(
			fc.constantFrom(
				"__proto__=x",
				"constructor[prototype][x]=1",
				"perPage[]=1",
				"x=%zz",
				"filter=%",
				"a&&b",
				"==",
			),
			anyText.map((t) => `${percentEncode(t)}=${percentEncode(t)}`),
		),
		20,
	);
	// `page` with `cursor` is a 400 (docs/api.md#list-parameters): mostly one of them.
	const paging = fc.oneof(
		{ arbitrary: fc.constantFrom("page", "cursor"), weight: 12 },
		{ arbitrary: fc.constant("both"), weight: 1 },
	);
	return fc
		.tuple(fc.tuple(...pairs), extra, fc.nat(40), paging)
		.map(([chosen, tail, dup, mode]) => {
			const parts = chosen
				.filter((p) => p !== undefined)
				.filter(
					([k]) =>
						mode === "both" || (k !== "page" && k !== "cursor") || k === mode,
				)
				.map(([k, v]) => `${k}=${percentEncode(v)}`);
			// A repeated parameter is a 400 (docs/api.md#list-parameters).
			if (dup === 0 && parts.length > 0) parts.push(parts[0] as string);
			if (tail) parts.push(tail);
			return parts.join("&");
		});
}

/** The list a `filter` or `sort` of this operation runs over. */
function listTargetOf(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): ListTarget {
	if (op.path === "/api/v1/logs") return ctx.targets.get("_logs") as ListTarget;
	if (op.path === "/api/v1/audit")
		return ctx.targets.get("_audit") as ListTarget;
	return (
		ctx.targets.get(collection) ?? (ctx.targets.get("posts") as ListTarget)
	);
}

function queryValue(
	param: ParamSpec,
	target: ListTarget,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	const hostile = fc.oneof(naughtyString, anyText);
	const shaped = (() => {
		switch (param.name) {
			case "filter":
				return filterFor(target, listContext(ctx));
			case "sort":
				return sortFor(target);
			case "fields":
				return fieldsFor(target);
			case "expand":
				return expandFor(target, listContext(ctx));
			case "cursor":
				return cursorFor(
					target,
					fc.nat().map((n) => ctx.pools.pick("cursors", n)),
				);
			case "perPage":
				return fc.oneof(
					{
						arbitrary: fc.integer({ min: 1, max: 10 }).map(String),
						weight: 25,
					},
					{
						arbitrary: fc.constantFrom(
							"500",
							"501",
							"0",
							"-1",
							"1e2",
							"07",
							" 5",
						),
						weight: 1,
					},
				);
			case "page":
				return fc.oneof(
					{ arbitrary: fc.integer({ min: 1, max: 3 }).map(String), weight: 25 },
					{
						arbitrary: fc.constantFrom(
							"0",
							"1000000",
							"1000001",
							"99999999999999999999",
						),
						weight: 1,
					},
				);
			case "from":
			case "to":
				return isoDate;
			case "interval":
				return fc.constantFrom(
					"1m",
					"5m",
					"1h",
					"1d",
					"1s",
					"0m",
					"99999d",
					"m",
					"1w",
				);
			case "redirect":
				return webUrl;
			case "ownerId":
				return pooled(ctx, "records:users");
			case "ownerCollection":
				return fc.constantFrom("users", "_superusers", "posts", "nope");
			case "upsert":
				return fc.constantFrom("slug", "title", "email", "id", "nope");
			default:
				return schemaString(param.schema);
		}
	})();
	return fc.oneof(
		{ arbitrary: shaped, weight: 25 },
		{ arbitrary: hostile, weight: 1 },
	);
}

/** A query value by its schema: enums, integers, booleans, text. */
function schemaString(schema: JsonSchema): fc.Arbitrary<string> {
	if (Array.isArray(schema.enum))
		return fc.constantFrom(...(schema.enum as unknown[]).map(String));
	if (schema.type === "boolean")
		return fc.constantFrom("true", "false", "1", "0");
	if (schema.type === "integer")
		return fc.integer({ min: 0, max: 30 }).map(String);
	return anyText;
}
