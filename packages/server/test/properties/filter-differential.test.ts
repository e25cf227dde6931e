import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import {
	type ComparisonExpression,
	type ComparisonOperator,
	comparisonOperators,
	type FilterExpression,
	formatFilter,
	type Operand,
} from "../../src/tools/filter/index.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import { filterTreeOf } from "../helpers/filter-arbitraries.js";

/*
 * Differential test of the filter compiler (docs/filters.md): random valid filters run
 * through the records API on a real database, and the ids that come back must be the
 * ids a small evaluator in this file picks from the same seeded records. The evaluator
 * spells out the documented semantics (compile-comparison.ts):
 *
 * - `!=` is null-safe: NULL != "x" holds; `= ""` / `= null` test emptiness (NULL or ''
 *   for text-typed fields, NULL for the rest, no element for a list).
 * - `~` contains, ignoring case by Unicode's simple lower-case mapping (one code point
 *   at a time, as PostgreSQL's ILIKE folds), with `%` and `_` literal; `!~` holds for
 *   NULL.
 * - On the multi-value `tags`: `?op` = some element satisfies op; a plain positive op
 *   = every element does and there is one; `!=` / `!~` = no element equals / contains.
 *
 * Strings mix ASCII with letters whose case mapping is special: "İ" lower-cases to
 * "i̇" in JavaScript but to "i" in PostgreSQL, and a final "Σ" to "ς" rather than "σ".
 */

const COLLECTION = "items";
const TAG_VALUES = [
	"a",
	"A",
	"ab",
	"a%b",
	"x_y",
	"Foo",
	"foo",
	"b\\c",
	"Éa",
	"ΑΣ",
];
const KIND_VALUES = ["One", "one", "5%", "t_t"];
const DATES = [
	"2001-02-03T04:05:06.789Z",
	"2024-01-01T00:00:00.000Z",
	"2024-12-31T23:59:59.999Z",
	"2025-06-15T12:30:00.000Z",
	"2026-01-01T00:00:00.000Z",
];
// Few characters, so that random needles and values often meet; `%`, `_`, `\` and the
// quotes must match only themselves.
const CHARS = [
	..."aAbBc%_\\'\" -",
	// Unicode case pairs, and the letters JavaScript's toLowerCase maps specially.
	..."éÉΣσςİiIıßẞ\u212Ak",
];

/** One seeded record as written. */
interface Seed {
	title: string | null;
	kind: string | null;
	views: number | null;
	active: boolean | null;
	due: string | null;
	/** null: the field is left out, so the column is NULL rather than `[]`. */
	tags: string[] | null;
}

type Scalar = string | number | boolean;
type FieldName = keyof Seed;
type SeedRow = Seed & { id: string };

const text = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 6 });

const seedArb: fc.Arbitrary<Seed> = fc.record({
	title: fc.oneof(fc.constant(null), fc.constant(""), text),
	kind: fc.option(fc.constantFrom(...KIND_VALUES)),
	views: fc.option(
		fc.oneof(
			fc.integer({ min: -20, max: 20 }),
			fc.constantFrom(-2.5, 0.5, 1.5, 1e6),
		),
	),
	active: fc.option(fc.boolean()),
	due: fc.option(fc.constantFrom(...DATES)),
	tags: fc.option(
		fc.uniqueArray(fc.constantFrom(...TAG_VALUES), { maxLength: 4 }),
	),
});

/** Records every seed run has: the corners random data may miss. */
const FIXED_SEEDS: Seed[] = [
	{
		title: null,
		kind: null,
		views: null,
		active: null,
		due: null,
		tags: null,
	},
	{ title: "", kind: null, views: 0, active: false, due: null, tags: [] },
	{
		title: "100%_Sure",
		kind: "5%",
		views: -1,
		active: true,
		due: DATES[0] ?? null,
		tags: ["a%b", "x_y"],
	},
	{
		title: "ΟΔΟΣ İstanbul",
		kind: "one",
		views: 2.5,
		active: null,
		due: DATES[2] ?? null,
		tags: ["Foo"],
	},
	{
		title: "ABC",
		kind: "One",
		views: 1e6,
		active: true,
		due: DATES[4] ?? null,
		tags: TAG_VALUES.slice(0, 4),
	},
];

// Replay a failure by putting the seed from its message here.
const DATA_SEED = Date.now() % 2_147_483_647;

// ---------------------------------------------------------------- the reference

const MIRROR: Partial<Record<ComparisonOperator, ComparisonOperator>> = {
	">": "<",
	">=": "<=",
	"<": ">",
	"<=": ">=",
};

/** Unicode's simple lower-case mapping: per code point, and "İ" → "i" (one code point). */
function fold(text: string): string {
	return Array.from(text, (ch) =>
		ch === "\u0130" ? "i" : ch.toLowerCase(),
	).join("");
}

function contains(haystack: Scalar, needle: Scalar): boolean {
	return fold(String(haystack)).includes(fold(String(needle)));
}

/** `value op literal` for a value that is not NULL. */
function holds(op: ComparisonOperator, value: Scalar, literal: Scalar) {
	switch (op) {
		case "=":
			return value === literal;
		case "!=":
			return value !== literal;
		case ">":
			return value > literal;
		case ">=":
			return value >= literal;
		case "<":
			return value < literal;
		case "<=":
			return value <= literal;
		case "~":
			return contains(value, literal);
		case "!~":
			return !contains(value, literal);
	}
}

/** `value op literal` for a single-value field, NULL included. */
function holdsScalar(
	op: ComparisonOperator,
	value: Scalar | null,
	literal: Scalar,
): boolean {
	if (value !== null) return holds(op, value, literal);
	return op === "!=" || op === "!~";
}

/** `list op literal` for the multi-value field. */
function holdsList(
	op: ComparisonOperator,
	anyOf: boolean,
	list: string[],
	literal: Scalar,
): boolean {
	if (anyOf) return list.some((e) => holds(op, e, literal));
	if (op === "!=") return !list.some((e) => e === literal);
	if (op === "!~") return !list.some((e) => contains(e, literal));
	return list.length > 0 && list.every((e) => holds(op, e, literal));
}

const TEXT_TYPED: ReadonlySet<FieldName> = new Set(["title", "kind"]);

function isEmpty(field: FieldName, row: SeedRow): boolean {
	const value = row[field];
	if (Array.isArray(value)) return value.length === 0;
	return value === null || (TEXT_TYPED.has(field) && value === "");
}

/** A literal as the column compares it: dates in canonical UTC. */
function canonical(field: FieldName, literal: Scalar): Scalar {
	return field === "due" ? new Date(String(literal)).toISOString() : literal;
}

function evaluateComparison(c: ComparisonExpression, row: SeedRow): boolean {
	const fieldLeft = c.left.kind === "field";
	const fieldSide = (fieldLeft ? c.left : c.right) as Operand & {
		kind: "field";
	};
	const literalSide = (fieldLeft ? c.right : c.left) as Operand & {
		kind: "literal";
	};
	const field = fieldSide.path[0] as FieldName;
	const literal = literalSide.value;
	if (literal === null || literal === "") {
		if (c.operator === "=" || c.operator === "!=") {
			return (c.operator === "=") === isEmpty(field, row);
		}
	}
	if (literal === null) throw new Error("generator made a null comparison");
	const op = fieldLeft ? c.operator : (MIRROR[c.operator] ?? c.operator);
	const value = canonical(field, literal);
	if (field === "tags") return holdsList(op, c.anyOf, row.tags ?? [], value);
	return holdsScalar(op, row[field], value);
}

/** The reference: whether `row` matches `expr`. */
function evaluate(expr: FilterExpression, row: SeedRow): boolean {
	if (expr.kind === "comparison") return evaluateComparison(expr, row);
	return expr.operator === "&&"
		? expr.items.every((item) => evaluate(item, row))
		: expr.items.some((item) => evaluate(item, row));
}

// ---------------------------------------------------------------- the generator

const ALL_OPS: ComparisonOperator[] = [...comparisonOperators];
const ORDER_OPS: ComparisonOperator[] = ["=", "!=", ">", ">=", "<", "<="];

/** Literals of each field's type, biased towards values the seeds hold. */
const LITERALS: Record<FieldName, fc.Arbitrary<Scalar>> = {
	title: fc.oneof(
		text,
		fc.constantFrom(
			"100%_Sure",
			"ABC",
			"abc",
			"%",
			"_",
			"\\",
			"οδοσ",
			"οδος",
			"istanbul",
			"i\u0307stanbul",
		),
	),
	kind: fc.oneof(fc.constantFrom(...KIND_VALUES), text),
	views: fc.oneof(
		fc.integer({ min: -22, max: 22 }),
		fc.constantFrom(-2.5, 0.5, 1.5, 1e6, 999999.5),
	),
	active: fc.boolean(),
	due: fc.oneof(
		fc.constantFrom(...DATES),
		// Other spellings of the same instants, and instants between them.
		fc.constantFrom(
			"2024-01-01",
			"2024-01-01 00:00:00Z",
			"2025-06-15T14:30:00+02:00",
			"2025-06-15T12:30:00.000001Z",
			"2020-02-29",
			"1999-12-31T23:59:59Z",
		),
	),
	tags: fc.oneof(fc.constantFrom(...TAG_VALUES), text),
};

/** `~` on numbers and dates casts to text, which the dialects spell differently. */
const OPS: Record<FieldName, ComparisonOperator[]> = {
	title: ALL_OPS,
	kind: ALL_OPS,
	views: ORDER_OPS,
	active: ORDER_OPS,
	due: ORDER_OPS,
	tags: ALL_OPS,
};

const field = (name: FieldName): Operand => ({
	kind: "field",
	path: [name],
	pos: 0,
});
const literal = (value: Scalar | null): Operand => ({
	kind: "literal",
	value,
	pos: 0,
});

function comparisonOf(
	name: FieldName,
	operator: ComparisonOperator,
	anyOf: boolean,
	value: Scalar | null,
	literalLeft: boolean,
): FilterExpression {
	const [left, right] = literalLeft
		? [literal(value), field(name)]
		: [field(name), literal(value)];
	return { kind: "comparison", operator, anyOf, left, right, pos: 0 };
}

const FIELDS = Object.keys(LITERALS) as FieldName[];

const typedComparison = fc
	.constantFrom(...FIELDS)
	.chain((name) =>
		fc.tuple(
			fc.constant(name),
			fc.constantFrom(...OPS[name]),
			name === "tags" ? fc.boolean() : fc.constant(false),
			LITERALS[name],
			fc.boolean(),
		),
	)
	// `~` needs the field on its left.
	.map(([name, op, anyOf, value, left]) =>
		comparisonOf(name, op, anyOf, value, left && op !== "~" && op !== "!~"),
	);

const emptinessTest = fc
	.tuple(
		fc.constantFrom(...FIELDS),
		fc.constantFrom<ComparisonOperator>("=", "!="),
		fc.constantFrom("", null),
		fc.boolean(),
	)
	.map(([name, op, value, left]) => comparisonOf(name, op, false, value, left));

const comparison = fc.oneof(
	{ arbitrary: typedComparison, weight: 4 },
	{ arbitrary: emptinessTest, weight: 1 },
);

const filterArb = filterTreeOf(comparison);

// ---------------------------------------------------------------- the suite

/** The create body of a seed: a NULL list is a list left out. */
function bodyOf(seed: Seed): Record<string, unknown> {
	const { tags, ...rest } = seed;
	return tags === null ? rest : { ...rest, tags };
}

describeEachDialect("filters agree with the reference evaluator", (t) => {
	const rows: SeedRow[] = [];

	beforeAll(async () => {
		const { request } = t();
		const created = await request("POST", "/api/v1/collections", {
			token: "superuser",
			body: {
				name: COLLECTION,
				fields: [
					{ name: "title", type: "text" },
					{ name: "kind", type: "select", values: KIND_VALUES },
					{ name: "views", type: "number" },
					{ name: "active", type: "bool" },
					{ name: "due", type: "date" },
					{ name: "tags", type: "select", values: TAG_VALUES, maxSelect: 4 },
				],
				rules: { list: "", view: "", create: null, update: null, delete: null },
			},
		});
		expect(created.status, created.text).toBe(201);
		const seeds = [
			...FIXED_SEEDS,
			...fc.sample(seedArb, { numRuns: 60, seed: DATA_SEED }),
		];
		for (const seed of seeds) {
			const res = await request(
				"POST",
				`/api/v1/collections/${COLLECTION}/records`,
				{ token: "superuser", body: bodyOf(seed) },
			);
			expect(res.status, res.text).toBe(201);
			// The reference reads the seeds as written, so the store must keep them so.
			expect(res.body).toMatchObject({ ...seed, tags: seed.tags ?? [] });
			rows.push({ ...seed, id: res.body.id as string });
		}
	});

	/** Runs a filter through the API and returns the ids it matched, sorted. */
	async function matchingIds(source: string): Promise<string[]> {
		const res = await t().request(
			"GET",
			`/api/v1/collections/${COLLECTION}/records?filter=${encodeURIComponent(source)}&perPage=500&skipTotal=1&fields=id`,
			{ token: "superuser" },
		);
		expect(
			res.status,
			`data seed ${DATA_SEED}, filter ${source}: ${res.text}`,
		).toBe(200);
		return (res.body.items as { id: string }[]).map((r) => r.id).sort();
	}

	it("returns exactly the records the reference picks, for random filters", async () => {
		await fc.assert(
			fc.asyncProperty(filterArb, async (ast) => {
				const source = formatFilter(ast);
				const expected = rows
					.filter((row) => evaluate(ast, row))
					.map((r) => r.id)
					.sort();
				expect(
					await matchingIds(source),
					`data seed ${DATA_SEED}, filter ${source}`,
				).toEqual(expected);
			}),
			{ numRuns: 200 },
		);
	});

	it("folds `~` between two constants with the same case mapping as columns", async () => {
		// `"ΟΔΟΣ" ~ "οδοσ"` never reaches the database: the compiler folds it to true or
		// false, and must fold as the database would compare a column holding "ΟΔΟΣ".
		const all = rows.map((r) => r.id).sort();
		await fc.assert(
			fc.asyncProperty(
				text,
				fc.constantFrom<ComparisonOperator>("~", "!~"),
				text,
				async (haystack, operator, needle) => {
					const ast: FilterExpression = {
						kind: "comparison",
						operator,
						anyOf: false,
						left: literal(haystack),
						right: literal(needle),
						pos: 0,
					};
					const holdsFor = holds(operator, haystack, needle);
					expect(await matchingIds(formatFilter(ast))).toEqual(
						holdsFor ? all : [],
					);
				},
			),
			{ numRuns: 200 },
		);
	});

	it("seeds cover the corners the semantics turn on", () => {
		// Guards the generator: without these the property above could pass vacuously.
		expect(rows.some((r) => r.title === null)).toBe(true);
		expect(rows.some((r) => r.title === "")).toBe(true);
		expect(rows.some((r) => r.tags === null)).toBe(true);
		expect(rows.some((r) => r.tags?.length === 0)).toBe(true);
		expect(rows.some((r) => (r.views ?? 0) < 0)).toBe(true);
		expect(rows.some((r) => /[%_]/.test(r.title ?? ""))).toBe(true);
		expect(rows.length).toBeGreaterThanOrEqual(60);
	});
});
