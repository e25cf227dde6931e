import fc from "fast-check";
import { filterFor, type ListTarget } from "./list-params.js";
import type { Operation } from "./openapi-operations.js";
import {
	listContext,
	nameFrom,
	type PlanContext,
	pooled,
	rarely,
	SCRATCH,
} from "./plan-context.js";
import {
	csvFor,
	formFor,
	mutatedJson,
	ndjsonFor,
	SELF,
} from "./request-bodies.js";
import {
	anyText,
	emailAddress,
	isoDate,
	naughtyString,
	schemaValue,
	type ValueContext,
	webUrl,
} from "./schema-values.js";

/*
 * The body of a request as its operation documents it: JSON from the body schema (a
 * collection's record schema for records), CSV, NDJSON or a form, with members the
 * fuzzer knows the meaning of filled with real ids, scopes, URLs and rules; sometimes
 * mutated, of another media type, or missing.
 */

/** The body of a request: its text and Content-Type, or undefined for none. */
export function bodyFor(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<{ text: string; contentType?: string } | undefined> {
	if (!op.body) {
		return rarely(
			fc
				.constantFrom('{"x":1}', "{}", "garbage")
				.map((text) => ({ text, contentType: "application/json" })),
			30,
		);
	}
	const documented = op.body.contentTypes;
	const others = [
		"text/plain",
		"application/xml",
		"multipart/form-data; boundary=x",
		"application/json; charset=latin1",
		"application/json; charset=utf-8",
		"APPLICATION/JSON",
		"application/json, text/plain",
		"text/csv",
	];
	// One text arbitrary per kind of body, built once: JSON, CSV, NDJSON or a form.
	const target =
		ctx.targets.get(collection) ?? (ctx.targets.get("posts") as ListTarget);
	const texts = new Map<string, fc.Arbitrary<string>>();
	const textFor = (type: string): fc.Arbitrary<string> => {
		const base = type.split(";")[0]?.trim().toLowerCase() ?? "";
		const kind = [
			"text/csv",
			"application/x-ndjson",
			"application/x-www-form-urlencoded",
		].includes(base)
			? base
			: "json";
		let text = texts.get(kind);
		if (!text) {
			text =
				kind === "text/csv"
					? csvFor(target)
					: kind === "application/x-ndjson"
						? ndjsonFor(jsonValueFor(op, collection, ctx, "create"))
						: kind === "application/x-www-form-urlencoded"
							? formFor(ctx.client)
							: jsonTextFor(op, collection, ctx);
			texts.set(kind, text);
		}
		return text;
	};
	const withType = (type: string, weight: number) => ({
		arbitrary: textFor(type).map((text) => ({ text, contentType: type })),
		weight,
	});
	const present = fc.oneof(
		...documented.map((type) =>
			withType(type, Math.ceil(30 / documented.length)),
		),
		...others.map((type) => withType(type, 1)),
	);
	return fc.oneof(
		{ arbitrary: present, weight: 30 },
		{ arbitrary: fc.constant(undefined), weight: op.body.required ? 1 : 3 },
		{ arbitrary: present.map((b) => ({ text: b.text })), weight: 1 },
	);
}

/** A JSON body: schema-shaped mostly, mutated sometimes. */
function jsonTextFor(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): fc.Arbitrary<string> {
	const kind = op.method === "POST" ? "create" : "update";
	const value = jsonValueFor(op, collection, ctx, kind);
	return fc.oneof(
		{ arbitrary: value.map((v) => JSON.stringify(v) ?? "null"), weight: 5 },
		{ arbitrary: value.chain(mutatedJson), weight: 1 },
	);
}

function jsonValueFor(
	op: Operation,
	collection: string,
	ctx: PlanContext,
	kind: "create" | "update",
): fc.Arbitrary<unknown> {
	const declared = op.body?.schema ?? {};
	const recordSchema =
		op.path.includes("/records") || op.path.endsWith("/import")
			? ctx.component(`record.${collection}.${kind}`)
			: undefined;
	const schema = recordSchema ?? declared;
	return schemaValue(schema, valueContext(op, collection, ctx));
}

/** Values for body members the fuzzer knows the meaning of. */
function valueContext(
	op: Operation,
	collection: string,
	ctx: PlanContext,
): ValueContext {
	const target = ctx.targets.get(collection);
	return {
		resolve: ctx.resolve,
		hint(path) {
			const at = path.join(".");
			if (target && op.path.includes("/records")) {
				const field = target.fields.find((f) => f.name === at);
				if (field) return recordFieldValue(field, ctx);
			}
			return bodyHint(op, at, ctx);
		},
	};
}

function recordFieldValue(
	field: ListTarget["fields"][number],
	ctx: PlanContext,
): fc.Arbitrary<unknown> | undefined {
	if (field.type === "relation") {
		const one = fc.oneof(
			{ arbitrary: pooled(ctx, `records:${field.collection}`), weight: 4 },
			{
				arbitrary: fc.constant(SELF),
				weight: field.collection === "users" ? 6 : 0,
			},
			{ arbitrary: fc.constantFrom("", "nope"), weight: 1 },
		);
		return (field.maxSelect ?? 1) > 1
			? fc.array(one, { maxLength: 3 })
			: fc.oneof(one, fc.constant(null));
	}
	if (field.type === "select" && field.values) {
		const one = fc.constantFrom(...field.values);
		return (field.maxSelect ?? 1) > 1
			? fc.array(one, { maxLength: 3 })
			: fc.oneof(one, fc.constant(null));
	}
	return undefined;
}

const SCOPES = [
	"records:read:posts",
	"records:write:posts",
	"records:read:*",
	"records:write:*",
	"collections:read",
	"collections:write",
	"jobs",
	"webhooks",
	"admin",
	"records:read:Posts",
	"records:delete:posts",
];

const EVENTS = [
	"*",
	"posts.*",
	"comments.create",
	"notes.update",
	"users.delete",
	"nope.*",
	"posts.explode",
];

/** Hints for the members of non-record bodies, by their path. */
function bodyHint(
	op: Operation,
	at: string,
	ctx: PlanContext,
): fc.Arbitrary<unknown> | undefined {
	const path = op.path;
	if (at === "password" || at === "passwordConfirm" || at === "oldPassword")
		return fc.oneof(fc.constant(ctx.password), fc.constant("short"), anyText);
	if (at === "identity" || at === "email")
		return fc.oneof(fc.constantFrom(...ctx.emails), emailAddress, anyText);
	if (at === "scopes.*") return fc.oneof(fc.constantFrom(...SCOPES), anyText);
	if (at === "events.*") return fc.oneof(fc.constantFrom(...EVENTS), anyText);
	if (at === "url" && path.startsWith("/api/v1/webhooks"))
		return fc.oneof(fc.constant(ctx.sinkUrl), webUrl);
	if (at === "expiresAt") return isoDate;
	if (path === "/api/v1/api-keys" && at === "owner")
		return fc.record({
			collection: fc.constantFrom("users", "_superusers", "posts"),
			id: pooled(ctx, "records:users"),
		});
	if (path.startsWith("/api/v1/collections")) return collectionHint(at, ctx);
	if (path === "/api/v1/batch") return batchHint(at, ctx);
	if (at.startsWith("redirectUrls") || at.endsWith("Url") || at === "issuer")
		return webUrl;
	return undefined;
}

/** Collection definitions: scratch names, real field names, rules that parse. */
function collectionHint(
	at: string,
	ctx: PlanContext,
): fc.Arbitrary<unknown> | undefined {
	if (at === "name")
		return nameFrom(
			SCRATCH,
			["posts", "users", "sqlite_x", "_x", "A", "select"],
			6,
		);
	if (at === "fields.*.name" || at === "indexes.*.fields.*")
		return fc.oneof(
			fc.constantFrom(
				"title",
				"body",
				"views",
				"owner",
				"Title",
				"id",
				"created",
				"expand",
				"from",
				"x1",
			),
			naughtyString,
		);
	if (at === "fields.*.collection")
		return fc.constantFrom("users", "posts", "teams", "nope", "fz_a");
	if (at.startsWith("rules.")) {
		const posts = ctx.targets.get("posts") as ListTarget;
		return fc.oneof(
			filterFor(posts, listContext(ctx)),
			fc.constantFrom(null, "", '@request.auth.id != ""'),
		);
	}
	return undefined;
}

/** Batch sub-requests: record writes on the fixture's collections. */
function batchHint(
	at: string,
	ctx: PlanContext,
): fc.Arbitrary<unknown> | undefined {
	if (at === "requests.*.url")
		return fc
			.tuple(fc.constantFrom(...ctx.fixture), fc.boolean(), fc.nat())
			.map(([c, withId, n]) => {
				const id = ctx.pools.pick(`records:${c}`, n);
				return `/api/v1/collections/${c}/records${withId && id ? `/${id}` : ""}`;
			});
	if (at === "requests.*.headers")
		return fc.option(
			fc
				.nat()
				.map((n) => ({ "If-Match": ctx.pools.pick("etags", n) ?? '"x"' })),
			{ nil: undefined },
		);
	return undefined;
}
