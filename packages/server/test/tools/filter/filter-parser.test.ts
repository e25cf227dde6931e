import { describe, expect, it } from "vitest";
import {
	type FilterExpression,
	FilterSyntaxError,
	formatFilter,
	isFilterSyntaxError,
	type Operand,
	parseFieldList,
	parseFilter,
	parseSort,
} from "../../../src/tools/filter/index.js";

function failure(parse: () => unknown): FilterSyntaxError {
	try {
		parse();
	} catch (err: unknown) {
		expect(err).toBeInstanceOf(FilterSyntaxError);
		return err as FilterSyntaxError;
	}
	throw new Error("expected a FilterSyntaxError");
}

const field = (pos: number, ...path: string[]): Operand => ({
	kind: "field",
	path,
	pos,
});
const lit = (
	pos: number,
	value: string | number | boolean | null,
): Operand => ({ kind: "literal", value, pos });
const eq = (left: Operand, right: Operand): FilterExpression => ({
	kind: "comparison",
	operator: "=",
	anyOf: false,
	left,
	right,
	pos: left.pos,
});

describe("parseFilter: comparisons and operands", () => {
	it("parses the docs/filters.md example", () => {
		const source = `title ~ "bas" && (views > 10 || author.name = "ann") && created >= "2026-01-01"`;
		const ast = parseFilter(source);
		expect(ast).toMatchObject({ kind: "logical", operator: "&&", pos: 0 });
		expect(ast.kind === "logical" && ast.items.map((item) => item.pos)).toEqual(
			[0, source.indexOf("views"), source.indexOf("created")],
		);
		expect(formatFilter(ast)).toBe(source);
	});

	it.each([
		["=", false],
		["!=", false],
		[">", false],
		[">=", false],
		["<", false],
		["<=", false],
		["~", false],
		["!~", false],
		["?=", true],
		["?!=", true],
		["?>", true],
		["?>=", true],
		["?<", true],
		["?<=", true],
		["?~", true],
		["?!~", true],
	] as const)("operator %s", (op, anyOf) => {
		expect(parseFilter(`tags ${op} 'x'`)).toEqual({
			kind: "comparison",
			operator: op.replace("?", ""),
			anyOf,
			left: field(0, "tags"),
			right: lit(6 + op.length, "x"),
			pos: 0,
		});
	});

	it.each<[string, Operand]>([
		["author.name", field(4, "author", "name")],
		[`"s"`, lit(4, "s")],
		["'it\\'s'", lit(4, "it's")],
		["-2.5e1", lit(4, -25)],
		["true", lit(4, true)],
		["false", lit(4, false)],
		["null", lit(4, null)],
		["@now", { kind: "now", pos: 4 }],
		["@request.auth.id", { kind: "request", path: ["auth", "id"], pos: 4 }],
		["@request.method", { kind: "request", path: ["method"], pos: 4 }],
		[
			"@request.body.a.b",
			{ kind: "request", path: ["body", "a", "b"], pos: 4 },
		],
		[
			"@collection.members.user",
			{ kind: "collection", collection: "members", path: ["user"], pos: 4 },
		],
		[
			"@collection.m.user.name",
			{ kind: "collection", collection: "m", path: ["user", "name"], pos: 4 },
		],
	])("operand %s on either side", (source, operand) => {
		const right = parseFilter(`a = ${source}`);
		expect(right).toEqual(eq(field(0, "a"), operand));
		const left = parseFilter(`${source} = a`);
		expect(left).toEqual(
			eq({ ...operand, pos: 0 }, field(source.length + 3, "a")),
		);
	});

	it("allows literals on both sides, leaving meaning to the compiler", () => {
		expect(parseFilter("1=1")).toEqual(eq(lit(0, 1), lit(2, 1)));
	});
});

describe("parseFilter: logic", () => {
	const a = eq(field(0, "a"), lit(4, 1));

	it("binds && tighter than ||", () => {
		expect(parseFilter("a = 1 || b = 2 && c = 3")).toEqual({
			kind: "logical",
			operator: "||",
			pos: 0,
			items: [
				a,
				{
					kind: "logical",
					operator: "&&",
					pos: 9,
					items: [
						eq(field(9, "b"), lit(13, 2)),
						eq(field(18, "c"), lit(22, 3)),
					],
				},
			],
		});
		expect(formatFilter(parseFilter("a = 1 && b = 2 || c = 3"))).toBe(
			"(a = 1 && b = 2) || c = 3",
		);
	});

	it("lets parentheses override precedence", () => {
		expect(formatFilter(parseFilter("(a = 1 || b = 2) && c = 3"))).toBe(
			"(a = 1 || b = 2) && c = 3",
		);
	});

	it("flattens chains of one operator into one node", () => {
		const ast = parseFilter("a=1 && b=2 && c=3 && d=4");
		expect(ast.kind === "logical" && ast.items.length).toBe(4);
		const or = parseFilter("a=1 || b=2 || c=3");
		expect(
			or.kind === "logical" && or.operator === "||" && or.items.length,
		).toBe(3);
	});

	it("keeps a parenthesized group as its own node", () => {
		const ast = parseFilter("(a=1 && b=2) && c=3");
		expect(
			ast.kind === "logical" && ast.items.map((item) => item.kind),
		).toEqual(["logical", "comparison"]);
	});

	it("drops redundant parentheses, and the node starts at its first operand", () => {
		expect(parseFilter("((a = 1))")).toEqual(eq(field(2, "a"), lit(6, 1)));
		expect(parseFilter(" ( a=1 || b=2 )")).toMatchObject({
			kind: "logical",
			pos: 3,
		});
	});

	it("accepts 32 levels of parentheses", () => {
		const source = `${"(".repeat(32)}a = 1${")".repeat(32)}`;
		expect(parseFilter(source)).toEqual(eq(field(32, "a"), lit(36, 1)));
		const siblings = Array.from({ length: 40 }, () => "(x = 1)").join(" && ");
		expect(parseFilter(siblings)).toMatchObject({
			kind: "logical",
			operator: "&&",
		});
	});

	it("accepts a filter of exactly 4096 bytes", () => {
		const source = `a = "${"é".repeat(2045)}"`;
		expect(Buffer.byteLength(source)).toBe(4096);
		expect(parseFilter(source)).toMatchObject({ kind: "comparison" });
	});
});

describe("parseFilter: errors", () => {
	it.each<[string, number, string]>([
		[
			"",
			0,
			'unexpected end of input at position 0: expected a field, a value or "("',
		],
		["   ", 3, "unexpected end of input at position 3"],
		[
			"verified",
			8,
			"unexpected end of input at position 8: expected a comparison operator",
		],
		[
			"verified && a = 1",
			9,
			'unexpected "&&" at position 9: expected a comparison operator',
		],
		["a =", 3, "unexpected end of input at position 3: expected a value"],
		["a = )", 4, 'unexpected ")" at position 4: expected a value'],
		["(a = 1) || b = (", 15, 'unexpected "(" at position 15: expected a value'],
		[
			"a = 1 b = 2",
			6,
			'unexpected "b" at position 6: expected "&&", "||" or the end of the filter',
		],
		["a = 1)", 5, 'unexpected ")" at position 5'],
		["a = 1 &&", 8, "unexpected end of input at position 8: expected a field"],
		["a = 1 && || b = 2", 9, 'unexpected "||" at position 9'],
		["&& a = 1", 0, 'unexpected "&&" at position 0'],
		["a == 1", 3, 'unexpected "=" at position 3: expected a value'],
		["a = 1 = 2", 6, 'unexpected "=" at position 6'],
		["a = 'x' 'y'", 8, "unexpected string at position 8"],
		["()", 1, 'unexpected ")" at position 1'],
		["(a = 1", 6, 'expected "&&", "||" or ")" to close the "(" at position 0'],
		["((a = 1)", 8, 'to close the "(" at position 0'],
		["(a = 1 b", 7, 'unexpected "b" at position 7'],
		["= 1", 0, 'unexpected "=" at position 0'],
		[
			"a = 1 || (b = 2 && c)",
			20,
			'unexpected ")" at position 20: expected a comparison operator',
		],
		[
			"@foo = 1",
			0,
			'unknown macro "@foo" at position 0: expected @now, @request or @collection',
		],
		["@Now = 1", 0, 'unknown macro "@Now"'],
		["a = @now.x", 8, 'unexpected "." at position 8: @now has no fields'],
		[
			"a = @request",
			12,
			'incomplete @request at position 12: expected "." and a field name',
		],
		["@request = 1", 8, "incomplete @request at position 8"],
		["a = @collection", 15, "incomplete @collection at position 15"],
		[
			"a = @collection.users",
			21,
			"incomplete @collection.users at position 21",
		],
		["a = @request.", 13, 'expected a field name after "."'],
		["a.", 2, 'expected a field name after "."'],
		["a = 'open", 4, "unterminated string starting at position 4"],
		[') "open', 0, 'unexpected ")" at position 0'],
		["a = 1.2.3", 7, 'unexpected "." at position 7'],
	])("%j fails at %i", (source, position, message) => {
		const err = failure(() => parseFilter(source));
		expect(err.position).toBe(position);
		expect(err.message).toContain(message);
	});

	it("refuses a 33rd level of parentheses at that parenthesis", () => {
		const err = failure(() =>
			parseFilter(`${"(".repeat(33)}a = 1${")".repeat(33)}`),
		);
		expect(err.position).toBe(32);
		expect(err.message).toContain(
			'unexpected "(" at position 32: expected at most 32 levels',
		);
	});

	it("refuses 4097 bytes at the character that crosses the limit", () => {
		const ascii = failure(() => parseFilter(`a = "${"x".repeat(4091)}"`));
		expect(ascii.position).toBe(4096);
		expect(ascii.message).toContain(
			"too long at position 4096: expected at most 4096 bytes",
		);
		const twoByte = failure(() => parseFilter(`a = "${"é".repeat(2046)}"`));
		expect(twoByte.position).toBe(2050);
		const astral = failure(() => parseFilter(`a = "${"😀".repeat(1100)}"`));
		// The emoji that crosses the limit starts at its high surrogate.
		expect(astral.position).toBe(5 + 2 * 1022);
	});

	it("refuses input that is not a string", () => {
		const err = failure(() => parseFilter(undefined as unknown as string));
		expect(err.position).toBe(0);
	});
});

describe("parseSort", () => {
	it("parses directions, paths and positions", () => {
		expect(parseSort("-created,title,+views")).toEqual([
			{ path: ["created"], direction: "desc", pos: 0 },
			{ path: ["title"], direction: "asc", pos: 9 },
			{ path: ["views"], direction: "asc", pos: 15 },
		]);
		expect(parseSort(" -author.name , id ")).toEqual([
			{ path: ["author", "name"], direction: "desc", pos: 1 },
			{ path: ["id"], direction: "asc", pos: 16 },
		]);
	});

	it("accepts 16 keys", () => {
		expect(
			parseSort(Array.from({ length: 16 }, (_, i) => `f${i}`).join(",")),
		).toHaveLength(16);
	});

	it.each<[string, number, string]>([
		["", 0, "unexpected end of input at position 0: expected a field name"],
		[" ", 1, "unexpected end of input at position 1"],
		["a,,b", 2, 'unexpected "," at position 2: expected a field name'],
		["a,", 2, "unexpected end of input at position 2: expected a field name"],
		[",a", 0, 'unexpected "," at position 0'],
		["- a", 1, 'unexpected " " at position 1: expected a field name after "-"'],
		["--a", 1, 'unexpected "-" at position 1'],
		["+", 1, 'expected a field name after "+"'],
		[
			"a b",
			2,
			'unexpected "b" at position 2: expected "," or the end of the list',
		],
		["a.", 2, 'expected a field name after "."'],
		["1a", 0, 'unexpected "1" at position 0'],
		["@random", 0, 'unexpected "@" at position 0'],
		["a;b", 1, 'unexpected ";" at position 1'],
	])("%j fails at %i", (source, position, message) => {
		const err = failure(() => parseSort(source));
		expect(err.position).toBe(position);
		expect(err.message).toContain(message);
	});

	it("refuses a 17th key at its position", () => {
		const keys = Array.from({ length: 17 }, (_, i) => `f${i}`);
		const err = failure(() => parseSort(keys.join(",")));
		expect(err.position).toBe(keys.slice(0, 16).join(",").length + 1);
		expect(err.message).toContain("too many sort keys");
	});

	it("refuses more than 4096 bytes", () => {
		expect(failure(() => parseSort(`a${"b".repeat(4096)}`)).position).toBe(
			4096,
		);
	});
});

describe("parseFieldList", () => {
	it("parses dot paths", () => {
		expect(parseFieldList("id,title,expand.author")).toEqual([
			["id"],
			["title"],
			["expand", "author"],
		]);
		expect(parseFieldList(" id , expand.author.name ")).toEqual([
			["id"],
			["expand", "author", "name"],
		]);
	});

	it("accepts 100 fields and refuses the 101st", () => {
		const names = Array.from({ length: 101 }, (_, i) => `f${i}`);
		expect(parseFieldList(names.slice(0, 100).join(","))).toHaveLength(100);
		const err = failure(() => parseFieldList(names.join(",")));
		expect(err.position).toBe(names.slice(0, 100).join(",").length + 1);
		expect(err.message).toContain("too many fields");
	});

	it.each<[string, number, string]>([
		["", 0, "unexpected end of input at position 0: expected a field name"],
		["id,,title", 3, 'unexpected "," at position 3'],
		["id,", 3, "unexpected end of input at position 3"],
		["-id", 0, 'unexpected "-" at position 0'],
		["expand.", 7, 'expected a field name after "."'],
		["*", 0, 'unexpected "*" at position 0'],
	])("%j fails at %i", (source, position, message) => {
		const err = failure(() => parseFieldList(source));
		expect(err.position).toBe(position);
		expect(err.message).toContain(message);
	});
});

describe("FilterSyntaxError", () => {
	it("is an Error with a name and a position", () => {
		const err = failure(() => parseFilter("a = )"));
		expect(err).toBeInstanceOf(Error);
		expect(err.name).toBe("FilterSyntaxError");
		expect(isFilterSyntaxError(err)).toBe(true);
		expect(isFilterSyntaxError(new Error("x"))).toBe(false);
		expect(err.message).toBe('unexpected ")" at position 4: expected a value');
	});
});

describe("formatFilter", () => {
	it.each<[string, string]>([
		["a=1", "a = 1"],
		["tags?!~'x'", 'tags ?!~ "x"'],
		["a=-0", "a = -0"],
		["a=1e21", "a = 1e+21"],
		["a=true&&b=null||c=false", "(a = true && b = null) || c = false"],
		["a=1&&(b=2&&c=3)", "a = 1 && (b = 2 && c = 3)"],
		[
			String.raw`a='it\'s "q" \\ \n\t\r'`,
			String.raw`a = "it's \"q\" \\ \n\t\r"`,
		],
		[String.raw`a="\u0000\u007f\ud800"`, String.raw`a = "\u0000\u007f\ud800"`],
		['a="😀é"', 'a = "😀é"'],
		[
			"@request.auth.id=@collection.m.user.id&&@now>x",
			"@request.auth.id = @collection.m.user.id && @now > x",
		],
	])("%s prints as %s", (source, printed) => {
		expect(formatFilter(parseFilter(source))).toBe(printed);
	});

	it.each<[string, FilterExpression]>([
		["a reserved first segment", eq(field(0, "null"), lit(0, 1))],
		["a segment that is not an identifier", eq(field(0, "a-b"), lit(0, 1))],
		["an empty path", eq({ kind: "request", path: [], pos: 0 }, lit(0, 1))],
		[
			"a non-finite number",
			eq(field(0, "a"), lit(0, Number.POSITIVE_INFINITY)),
		],
	])("throws RangeError for %s", (_, ast) => {
		expect(() => formatFilter(ast)).toThrow(RangeError);
	});
});
