import fc from "fast-check";
import { comparisonOperators } from "../../src/tools/filter/index.js";

/*
 * Generators of hostile filters for hostile-input.test.ts: mostly filters that parse
 * and reach the compiler (real fields, every operator, values of every type), the rest
 * broken, deep, random or too long, so that every layer meets both kinds.
 */

/** The fields of the fuzzed collection (see hostile-input.test.ts). */
export const HOSTILE_FIELDS = [
	"title",
	"views",
	"active",
	"due",
	"tags",
	"meta",
	"owner",
	"crew",
];

/** Strings that have broken SQL, LIKE patterns, JSON or terminals somewhere. */
export const SQL_FRAGMENTS = [
	"'; DROP TABLE hostile; --",
	'"; DROP TABLE hostile; --',
	"1' OR '1'='1",
	"1 OR 1=1",
	"') UNION SELECT * FROM _superusers --",
	"$1",
	"?",
	"\\",
	"%",
	"_",
	"%%__\\%",
	"\u0000",
	"a\u0000b",
	"\\u0000",
	"/* */",
	"`",
	"\u202e",
	"😀",
	"\ud800",
];

/** Every kind of operand: fields, paths, macros, literals; many do not fit. */
export const OPERANDS = [
	...HOSTILE_FIELDS,
	"id",
	"created",
	"updated",
	"expand",
	"nope",
	"owner.name",
	"owner.nope",
	"owner.owner",
	"crew.name",
	"crew.name.x",
	"tags.x",
	"title.x",
	"meta.a",
	"@request.body.x",
	"@request.body.title",
	"@request.body",
	"@request.auth.id",
	"@request.auth.email",
	"@request.auth.password",
	"@request.method",
	"@request.query.x",
	"@request.headers.x",
	"@collection.other.label",
	"@collection.other.nope",
	"@collection.nope.x",
	"@collection.hostile.owner.name",
	"@collection._superusers.email",
	"@collection._superusers.password_hash",
	"@collection.people.name",
	"@now",
	"@nope",
	"true",
	"false",
	"null",
	'""',
	"''",
	'"abc"',
	'"not a date"',
	'"2026-02-31"',
	'"2026-01-01"',
	'"2026-01-01T00:00:00Z"',
	"0",
	"-0",
	"-1",
	"1.5",
	"1e308",
	"1e309",
	"-1e309",
	"1e-400",
	"99999999999999999999999",
];

// Every operator and its any-of form.
const OPERATORS = comparisonOperators.flatMap((op) => [op, `?${op}`]);

const BROKEN_OPERATORS = ["==", "<>", "!", "", "?", "&", "=~"];

/** Strings with SQL, wildcards, NUL, lone surrogates or plain unicode. */
export const hostileString = fc.oneof(
	fc.constantFrom(...SQL_FRAGMENTS),
	fc.string({ unit: "binary", maxLength: 20 }),
	fc.string({ maxLength: 60 }),
);

/** A string literal the lexer reads: JSON's escapes are the language's. */
const stringLiteral = hostileString.map((s) => JSON.stringify(s));

const operand = fc.oneof(
	{ arbitrary: fc.constantFrom(...OPERANDS), weight: 4 },
	{ arbitrary: stringLiteral, weight: 1 },
);

const anyComparison = fc
	.tuple(operand, fc.constantFrom(...OPERATORS), operand)
	.map(([a, op, b]) => `${a} ${op} ${b}`);

const NUMBERS = [
	"0",
	"-0",
	"-1",
	"1.5",
	"1e308",
	"-1e308",
	"5e-324",
	"9007199254740993",
];
const DATES = [
	'"2026-01-02"',
	'"2026-01-02T03:04:05.123456Z"',
	'"0001-01-01"',
	'"9999-12-31T23:59:59Z"',
	'"2026-01-02 03:04+05:30"',
	"@now",
];

/** `field op value` where the value has the field's type (or nearly): most compile. */
const typedComparison = fc.oneof(
	fc
		.tuple(
			fc.constantFrom(
				"title",
				"owner.name",
				"crew.name",
				"id",
				"owner",
				"crew",
				"@collection.other.label",
				"@collection.people.name",
				"@request.auth.id",
				"@request.method",
				// Mixed types: `views > "abc"`, `created > "not a date"`.
				"views",
				"due",
				"created",
				"active",
				"meta",
			),
			fc.constantFrom(...OPERATORS),
			stringLiteral,
		)
		.map(([f, op, v]) => `${f} ${op} ${v}`),
	fc
		.tuple(
			fc.constantFrom("views", "tags", "title"),
			fc.constantFrom(...OPERATORS),
			fc.oneof(
				fc.constantFrom(...NUMBERS),
				fc.integer().map(String),
				fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
			),
		)
		.map(([f, op, v]) => `${f} ${op} ${v}`),
	fc
		.tuple(
			fc.constantFrom("due", "created", "updated"),
			fc.constantFrom(...OPERATORS),
			fc.constantFrom(...DATES),
		)
		.map(([f, op, v]) => `${f} ${op} ${v}`),
	fc
		.tuple(
			fc.constantFrom(
				"active",
				"meta",
				"tags",
				"crew",
				"owner",
				"due",
				"@request.body.x",
			),
			fc.constantFrom("=", "!=", "?=", "?!="),
			fc.constantFrom("true", "false", "null", '""', "''"),
		)
		.map(([f, op, v]) => `${f} ${op} ${v}`),
	fc
		.tuple(
			fc.constantFrom(
				"title",
				"owner.name",
				"crew.name",
				"tags",
				"views",
				"due",
				"@request.body.title",
				"@request.auth.id",
				"@collection.other.label",
			),
			fc.constantFrom(...OPERATORS),
			fc.constantFrom(
				"title",
				"owner.name",
				"crew.name",
				"tags",
				"views",
				"due",
				"created",
				"@request.body.title",
				"@collection.other.label",
			),
		)
		.map(([a, op, b]) => `${a} ${op} ${b}`),
);

const comparison = fc.oneof(
	{ arbitrary: typedComparison, weight: 3 },
	{ arbitrary: anyComparison, weight: 1 },
);

/** Filters that parse, with operands of every kind and type: they test the compiler. */
export const { filter: wellFormed } = fc.letrec<{ filter: string }>((tie) => ({
	filter: fc.oneof(
		{ maxDepth: 3, depthIdentifier: "hostile" },
		comparison,
		fc
			.tuple(
				tie("filter"),
				fc.constantFrom(" && ", " || ", "&&", "||"),
				tie("filter"),
			)
			.map(([a, join, b]) => `(${a})${join}${b}`),
	),
}));

const brokenOperand = fc.oneof(
	operand,
	fc.constantFrom(...SQL_FRAGMENTS),
	fc.string({ maxLength: 8 }).map((s) => `"${s}"`),
	fc.string({ maxLength: 8 }).map((s) => `'${s}'`),
);

/** Filters that mostly do not parse: unbalanced parentheses, broken quotes and operators. */
const broken = fc
	.array(
		fc.tuple(
			brokenOperand,
			fc.constantFrom(...OPERATORS, ...BROKEN_OPERATORS),
			brokenOperand,
			fc.constantFrom(" && ", " || ", " | ", " AND ", " "),
			fc.nat(3),
			fc.nat(3),
		),
		{ minLength: 1, maxLength: 4 },
	)
	.map((parts) =>
		parts
			.map(
				([a, op, b, join, open, close], i) =>
					`${i > 0 ? join : ""}${"(".repeat(open)}${a} ${op} ${b}${")".repeat(close)}`,
			)
			.join(""),
	);

const deepParens = fc
	.tuple(fc.nat(60), fc.nat(60), comparison)
	.map(([open, close, c]) => "(".repeat(open) + c + ")".repeat(close));

/** A filter parameter: well-formed mostly, else broken, random, deep or too long. */
export const hostileFilter = fc.oneof(
	{ arbitrary: wellFormed, weight: 10 },
	{ arbitrary: broken, weight: 2 },
	{ arbitrary: deepParens, weight: 1 },
	{ arbitrary: fc.string({ unit: "binary", maxLength: 80 }), weight: 1 },
	{
		arbitrary: fc.string({
			unit: "grapheme",
			minLength: 3000,
			maxLength: 5000,
		}),
		weight: 1,
	},
	{ arbitrary: comparison.map((c) => `${c} && `.repeat(300)), weight: 1 },
);
