import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	comparisonOperators,
	type FilterExpression,
	FilterSyntaxError,
	formatFilter,
	type Operand,
	parseFieldList,
	parseFilter,
	parseSort,
	tokenizeFilter,
} from "../../../src/tools/filter/index.js";
import { filterTreeOf } from "../../helpers/filter-arbitraries.js";

const PARSERS: ReadonlyArray<(source: string) => unknown> = [
	parseFilter,
	parseSort,
	parseFieldList,
	tokenizeFilter,
];

/** Runs every parser on `source`; anything thrown must be a FilterSyntaxError inside the source. */
function expectOnlySyntaxErrors(source: string): void {
	for (const parse of PARSERS) {
		try {
			parse(source);
		} catch (err: unknown) {
			if (!(err instanceof FilterSyntaxError)) throw err;
			expect(Number.isInteger(err.position)).toBe(true);
			expect(err.position).toBeGreaterThanOrEqual(0);
			expect(err.position).toBeLessThanOrEqual(source.length);
			expect(err.message).toContain(`position ${err.position}`);
		}
	}
}

/** Deletes every `pos` member, recursively, so ASTs compare by structure. */
function stripPos(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stripPos);
	if (value === null || typeof value !== "object") return value;
	return Object.fromEntries(
		Object.entries(value)
			.filter(([key]) => key !== "pos")
			.map(([key, item]) => [key, stripPos(item)]),
	);
}

// Words, operators, macros and broken fragments of the language, split on spaces.
const TOKENS = [
	...String.raw`title author.name a _x9 true false null @now @request.auth.id @request
		@collection.users.id @collection.users @foo @ "s" 'q' "esc\n\u00e9" "open ' \ 0 -1
		2.5e-3 1.2.3 01x - . = != > >= < <= ~ !~ ?= ?!= ?> ?>= ?< ?<= ?~ ?!~ ? ! && || & | ( ) , +
		é 😀`.split(/\s+/),
	" ",
	"\n",
	"\t",
];

const tokenSoup = (minLength: number, maxLength: number) =>
	fc
		.array(
			fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom("", " ", "  ")),
			{ minLength, maxLength },
		)
		.map((parts) => parts.map(([token, gap]) => token + gap).join(""));

describe("every failure is a FilterSyntaxError", () => {
	it("on arbitrary strings", () => {
		fc.assert(fc.property(fc.string(), expectOnlySyntaxErrors), {
			numRuns: 1000,
		});
		fc.assert(
			fc.property(
				fc.string({ unit: "binary", maxLength: 200 }),
				expectOnlySyntaxErrors,
			),
			{
				numRuns: 1000,
			},
		);
	});

	it("on strings made of the language's own tokens", () => {
		fc.assert(fc.property(tokenSoup(0, 40), expectOnlySyntaxErrors), {
			numRuns: 2000,
		});
		fc.assert(fc.property(tokenSoup(400, 1200), expectOnlySyntaxErrors), {
			numRuns: 50,
		});
	});

	it("on deep and unbalanced parentheses", () => {
		const nesting = fc.tuple(
			fc.nat(3000),
			fc.nat(3000),
			fc.constantFrom("a = 1", "", "a", "(a = 1) && b = 2"),
		);
		fc.assert(
			fc.property(nesting, ([open, close, inner]) => {
				const source = "(".repeat(open) + inner + ")".repeat(close);
				expectOnlySyntaxErrors(source);
				if (open === close && open <= 32 && inner.includes("="))
					expect(() => parseFilter(source)).not.toThrow();
				if (open > 32 && source.length <= 4096)
					expect(() => parseFilter(source)).toThrow(/levels of parentheses/);
			}),
			{ numRuns: 300 },
		);
	});

	it("on 5,000-character inputs, refused by size exactly when over 4096 UTF-8 bytes", () => {
		const long = fc.oneof(
			fc.string({ minLength: 5000, maxLength: 5000 }),
			fc.string({ unit: "binary", minLength: 1300, maxLength: 5000 }),
			fc.string({ unit: "grapheme-ascii", minLength: 4090, maxLength: 4100 }),
		);
		fc.assert(
			fc.property(long, (source) => {
				expectOnlySyntaxErrors(source);
				const tooLong = Buffer.byteLength(source) > 4096;
				for (const parse of [parseFilter, parseSort, parseFieldList]) {
					const err = failureOf(() => parse(source));
					expect(err?.message.includes("too long") ?? false).toBe(tooLong);
				}
			}),
			{ numRuns: 150 },
		);
	});
});

function failureOf(run: () => unknown): FilterSyntaxError | undefined {
	try {
		run();
		return undefined;
	} catch (err: unknown) {
		if (err instanceof FilterSyntaxError) return err;
		throw err;
	}
}

const RESERVED = ["true", "false", "null"];
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const path = fc.array(identifier, { minLength: 1, maxLength: 3 });

const operand: fc.Arbitrary<Operand> = fc.oneof(
	path
		.filter((p) => !RESERVED.includes(p[0] ?? ""))
		.map((p): Operand => ({ kind: "field", path: p, pos: 0 })),
	path.map((p): Operand => ({ kind: "request", path: p, pos: 0 })),
	fc
		.tuple(identifier, fc.array(identifier, { minLength: 1, maxLength: 2 }))
		.map(
			([collection, p]): Operand => ({
				kind: "collection",
				collection,
				path: p,
				pos: 0,
			}),
		),
	fc.constant<Operand>({ kind: "now", pos: 0 }),
	fc
		.oneof(
			fc.string({ unit: "binary", maxLength: 12 }),
			fc.string({ maxLength: 12 }),
			fc.double({ noNaN: true, noDefaultInfinity: true }),
			fc.integer(),
			fc.boolean(),
			fc.constant(null),
		)
		.map((value): Operand => ({ kind: "literal", value, pos: 0 })),
);

const comparison: fc.Arbitrary<FilterExpression> = fc
	.record({
		operator: fc.constantFrom(...comparisonOperators),
		anyOf: fc.boolean(),
		left: operand,
		right: operand,
	})
	.map((c): FilterExpression => ({ kind: "comparison", ...c, pos: 0 }));

const expr = filterTreeOf(comparison);

describe("formatFilter round-trips through parseFilter", () => {
	it("for random valid ASTs", () => {
		fc.assert(
			fc.property(expr, (ast) => {
				const source = formatFilter(ast);
				fc.pre(Buffer.byteLength(source) <= 4096);
				expect(stripPos(parseFilter(source))).toEqual(stripPos(ast));
			}),
			{ numRuns: 1000 },
		);
	});

	it("for whatever soup of comparisons and connectives happens to parse", () => {
		const chunks = [
			"a = 1",
			"b.c ?~ 'x\\''",
			"@now > -2.5",
			"@request.auth.id != null",
			"(",
			")",
			"&&",
			"||",
		];
		const soup = fc
			.array(fc.constantFrom(...chunks), { minLength: 1, maxLength: 12 })
			.map((c) => c.join(" "));
		fc.assert(
			fc.property(soup, (source) => {
				const ast = failureOf(() => parseFilter(source))
					? undefined
					: parseFilter(source);
				if (ast !== undefined)
					expect(stripPos(parseFilter(formatFilter(ast)))).toEqual(
						stripPos(ast),
					);
			}),
			{ numRuns: 1000 },
		);
	});
});
