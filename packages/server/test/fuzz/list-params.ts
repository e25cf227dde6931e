import fc from "fast-check";
import {
	anyText,
	isoDate,
	jsonValue,
	naughtyString,
	uuidV7,
} from "./schema-values.js";

/*
 * List parameters (docs/api.md#list-parameters, docs/filters.md) for one list:
 * filters over its real fields, relation paths and request macros with literals of
 * each field's type, sorts, `fields`, `expand` and cursors; now and then broken or
 * hostile ones. Most parse and compile, so they reach the database.
 */

/** A field as the list generators need it. */
export interface FieldInfo {
	name: string;
	type: string;
	/** The target of a relation. */
	collection?: string;
	maxSelect?: number;
	values?: string[];
	hidden?: boolean;
}

/** A list target: a collection, or a system list (logs, audit) read from its schema. */
export interface ListTarget {
	name: string;
	fields: FieldInfo[];
}

/** Looks up other lists by name (relation targets) and live ids by pool. */
export interface ListContext {
	target(name: string): ListTarget | undefined;
	/** An id of a record of `collection` (late: the pool grows during the run). */
	id(collection: string): fc.Arbitrary<string>;
}

const SYSTEM_FIELDS: FieldInfo[] = [
	{ name: "id", type: "text" },
	{ name: "created", type: "date" },
	{ name: "updated", type: "date" },
];

const OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~"];
const ALL_OPERATORS = [...OPERATORS, ...OPERATORS.map((op) => `?${op}`)];

const MACROS = [
	"@request.auth.id",
	"@request.auth.email",
	"@request.auth.role",
	"@request.auth.clearance",
	"@request.auth.collectionName",
	"@request.auth.password_hash",
	"@request.auth.token_key",
	"@request.method",
	"@request.body.title",
	"@request.query.x",
	"@now",
	"@collection.posts.title",
	"@collection.memberships.user",
	"@collection.users.email",
	"@collection._superusers.email",
	"@collection._superusers.password_hash",
	"@collection.vault.secret",
	"@collection.nope.x",
];

/** Filter string literals: JSON's escapes are the language's. */
const quoted = (text: fc.Arbitrary<string>) =>
	fc
		.tuple(text, fc.boolean())
		.map(([t, single]) =>
			single
				? `'${t.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`
				: JSON.stringify(t),
		);

const literals = new WeakMap<FieldInfo, fc.Arbitrary<string>>();

/** Literals of a field's type, and emptiness now and then (built once per field). */
function literalFor(field: FieldInfo, ctx: ListContext): fc.Arbitrary<string> {
	let literal = literals.get(field);
	if (!literal) {
		literal = fc.oneof(
			{ arbitrary: typedLiteral(field, ctx), weight: 6 },
			{ arbitrary: fc.constantFrom('""', "null", "''"), weight: 1 },
		);
		literals.set(field, literal);
	}
	return literal;
}

function typedLiteral(
	field: FieldInfo,
	ctx: ListContext,
): fc.Arbitrary<string> {
	switch (field.type) {
		case "number":
			return fc.oneof(
				fc.integer({ min: -20, max: 20 }).map(String),
				fc.constantFrom(
					"1.5",
					"-0",
					"1e308",
					"1e309",
					"5e-324",
					'"10"',
					'"ten"',
				),
			);
		case "bool":
			return fc.constantFrom("true", "false", "1", '"true"');
		case "date":
			return fc.oneof(quoted(isoDate), fc.constant("@now"));
		case "select":
			return quoted(
				fc.oneof(fc.constantFrom(...(field.values ?? ["x"])), anyText),
			);
		case "relation":
			return quoted(fc.oneof(ctx.id(field.collection ?? ""), uuidV7));
		default:
			return quoted(anyText);
	}
}

const TEXT_LIKE = new Set([
	"text",
	"email",
	"url",
	"html",
	"select",
	"relation",
]);

/** The operators a field takes: `~` only on text-like fields (docs/filters.md#operators). */
function operatorsFor(field: FieldInfo): string[] {
	const ops = TEXT_LIKE.has(field.type)
		? OPERATORS
		: OPERATORS.filter((op) => !op.includes("~"));
	return (field.maxSelect ?? 1) > 1
		? ops.map((op) => `?${op}`).concat(ops)
		: ops;
}

/** Field paths of a list: its fields, and one step through each relation. */
function pathsOf(
	target: ListTarget,
	ctx: ListContext,
): { path: string; field: FieldInfo; direct: boolean }[] {
	const direct = [...SYSTEM_FIELDS, ...target.fields].map((field) => ({
		path: field.name,
		field,
		direct: true,
	}));
	const through = target.fields
		.filter((f) => f.type === "relation")
		.flatMap((relation) =>
			[
				...SYSTEM_FIELDS,
				...(ctx.target(relation.collection ?? "")?.fields ?? []),
			].map((field) => ({
				path: `${relation.name}.${field.name}`,
				field,
				direct: false,
			})),
		);
	return [...direct, ...through];
}

function comparisonOf(
	target: ListTarget,
	ctx: ListContext,
): fc.Arbitrary<string> {
	const paths = pathsOf(target, ctx);
	const typed = fc.oneof(
		...paths.map(({ path, field, direct }) => ({
			arbitrary: fc
				.tuple(
					fc.constantFrom(...operatorsFor(field)),
					literalFor(field, ctx),
					fc.boolean(),
				)
				.map(([op, literal, flip]) =>
					flip && !op.includes("~")
						? `${literal} ${op} ${path}`
						: `${path} ${op} ${literal}`,
				),
			weight: direct ? 3 : 1,
		})),
	);
	const macro = fc
		.tuple(
			fc.constantFrom(...paths.map((p) => p.path), ...MACROS),
			fc.constantFrom(...ALL_OPERATORS),
			fc.oneof(
				fc.constantFrom(...MACROS),
				quoted(anyText),
				fc.constantFrom("1", "true", "null", '""'),
			),
		)
		.map(([a, op, b]) => `${a} ${op} ${b}`);
	const unknown = fc
		.tuple(
			fc.oneof(
				naughtyString,
				fc.constantFrom(
					"nope",
					"secret",
					"clearance",
					"password_hash",
					"token_key",
					"expand",
				),
			),
			fc.constantFrom(...OPERATORS),
			quoted(anyText),
		)
		.map(([a, op, b]) => `${a} ${op} ${b}`);
	return fc.oneof(
		{ arbitrary: typed, weight: 8 },
		{ arbitrary: macro, weight: 2 },
		{ arbitrary: unknown, weight: 1 },
	);
}

/** A filter for `target`: mostly well-formed, sometimes broken, deep or long. */
export function filterFor(
	target: ListTarget,
	ctx: ListContext,
): fc.Arbitrary<string> {
	const comparison = comparisonOf(target, ctx);
	const { tree } = fc.letrec<{ tree: string }>((tie) => ({
		tree: fc.oneof(
			{ maxDepth: 3, depthIdentifier: "filter" },
			comparison,
			fc
				.tuple(tie("tree"), fc.constantFrom(" && ", " || ", "&&"), tie("tree"))
				.map(([a, join, b]) => `(${a})${join}${b}`),
		),
	}));
	const broken = fc.oneof(
		anyText,
		comparison.map((c) => c.slice(0, Math.max(1, c.length - 2))),
		comparison.map((c) => `(${c}`),
		comparison.map((c) => `${c})`),
		comparison.map((c) => `${c} &&`),
		fc.nat(40).map((n) => `${"(".repeat(n)}id != ""${")".repeat(n)}`),
		fc.constant(`${'title ~ "a" || '.repeat(400)}id = ""`),
	);
	return fc.oneof(
		{ arbitrary: tree, weight: 15 },
		{ arbitrary: broken, weight: 1 },
	);
}

const commaList = (names: fc.Arbitrary<string>) =>
	fc.uniqueArray(names, { minLength: 1, maxLength: 3 }).map((l) => l.join(","));

/** A sort: fields and relation paths with a direction, sometimes nonsense. */
export function sortFor(target: ListTarget): fc.Arbitrary<string> {
	const names = [...SYSTEM_FIELDS, ...target.fields].map((f) => f.name);
	const direction = fc.oneof(
		{ arbitrary: fc.constantFrom("", "-"), weight: 20 },
		{ arbitrary: fc.constantFrom("+", "--", " ", "-+"), weight: 1 },
	);
	const key = fc
		.tuple(direction, fc.constantFrom(...names))
		.map(([dir, name]) => dir + name);
	return fc.oneof(
		{ arbitrary: commaList(key), weight: 15 },
		{
			arbitrary: fc.oneof(
				naughtyString,
				fc.constantFrom(
					"RANDOM()",
					"title desc",
					"owner.name",
					"@now",
					",",
					"-",
					"id,id",
					"nope",
				),
			),
			weight: 1,
		},
	);
}

/** A `fields` list: real names mostly, `expand`, hidden and unknown ones sometimes. */
export function fieldsFor(target: ListTarget): fc.Arbitrary<string> {
	const names = [...SYSTEM_FIELDS, ...target.fields].map((f) => f.name);
	return fc.oneof(
		{ arbitrary: commaList(fc.constantFrom(...names, "expand")), weight: 15 },
		{
			arbitrary: commaList(
				fc.oneof(
					fc.constantFrom(
						"*",
						"expand.owner",
						"password_hash",
						"token_key",
						"nope",
						"",
					),
					naughtyString,
				),
			),
			weight: 1,
		},
	);
}

/** An `expand` list: relation fields and paths, and what is not one. */
export function expandFor(
	target: ListTarget,
	ctx: ListContext,
): fc.Arbitrary<string> {
	const relations = target.fields.filter((f) => f.type === "relation");
	const paths = relations.flatMap((r) => {
		const next = ctx.target(r.collection ?? "");
		const deeper = (next?.fields ?? [])
			.filter((f) => f.type === "relation")
			.map((f) => `${r.name}.${f.name}`);
		return [r.name, ...deeper];
	});
	const hostile = fc.oneof(
		fc.constantFrom(
			"title",
			"nope",
			"id",
			"owner.".repeat(8).slice(0, -1),
			"",
			".",
			"a..b",
		),
		naughtyString,
	);
	if (paths.length === 0) return hostile;
	return fc.oneof(
		{ arbitrary: commaList(fc.constantFrom(...paths)), weight: 15 },
		{ arbitrary: hostile, weight: 1 },
	);
}

/** A cursor: one the server made, an empty one, a forged one, or garbage. */
export function cursorFor(
	target: ListTarget,
	serverCursor: fc.Arbitrary<string | undefined>,
): fc.Arbitrary<string> {
	const names = [...SYSTEM_FIELDS, ...target.fields].map((f) => f.name);
	const forged = fc
		.tuple(
			fc.constantFrom("id", ...names.flatMap((n) => [`${n},id`, `-${n},id`])),
			fc.array(fc.oneof(jsonValue, naughtyString), {
				maxLength: 3,
			}),
		)
		.map(([s, v]) =>
			Buffer.from(JSON.stringify({ s, v })).toString("base64url"),
		);
	return fc.oneof(
		{ arbitrary: fc.constant(""), weight: 3 },
		{
			arbitrary: serverCursor.map((c) => c ?? ""),
			weight: 3,
		},
		{ arbitrary: forged, weight: 2 },
		{
			arbitrary: fc.oneof(naughtyString, fc.base64String({ maxLength: 60 })),
			weight: 1,
		},
	);
}
