import { describe, expect, it } from "vitest";
import {
	FilterSyntaxError,
	type Token,
	tokenizeFilter,
} from "../../../src/tools/filter/index.js";

/** A compact, position-free view of a token, so tables stay readable. */
function show(token: Token): string {
	switch (token.kind) {
		case "path":
			return `path:${token.segments.join(".")}`;
		case "macro":
			return `macro:${[token.name, ...token.segments].join(".")}`;
		case "string":
			return `string:${JSON.stringify(token.value)}`;
		case "number":
			return `number:${Object.is(token.value, -0) ? "-0" : token.value}`;
		case "keyword":
			return `keyword:${token.value}`;
		case "operator":
			return `op:${token.anyOf ? "?" : ""}${token.operator}`;
		default:
			return token.kind;
	}
}

function lex(source: string): string[] {
	return tokenizeFilter(source).map(show);
}

function lexError(source: string): FilterSyntaxError {
	try {
		tokenizeFilter(source);
	} catch (err: unknown) {
		expect(err).toBeInstanceOf(FilterSyntaxError);
		return err as FilterSyntaxError;
	}
	throw new Error(`expected ${JSON.stringify(source)} not to tokenize`);
}

describe("tokenizeFilter: tokens", () => {
	it.each<[string, string[]]>([
		["title", ["path:title"]],
		["_a1_B", ["path:_a1_B"]],
		["author.name", ["path:author.name"]],
		["a.b.c_d", ["path:a.b.c_d"]],
		["author.true", ["path:author.true"]],
		["truex nullable false_", ["path:truex", "path:nullable", "path:false_"]],
		["TRUE", ["path:TRUE"]],
		["true false null", ["keyword:true", "keyword:false", "keyword:null"]],
		["@now", ["macro:now"]],
		["@request.auth.id", ["macro:request.auth.id"]],
		["@collection.members.user", ["macro:collection.members.user"]],
		["( )", ["(", ")"]],
		["&& ||", ["&&", "||"]],
		[" \t\r\na\n", ["path:a"]],
		["", []],
		["  \n\t ", []],
	])("%j", (source, expected) => {
		expect(lex(source)).toEqual(expected);
	});

	it.each(["=", "!=", ">", ">=", "<", "<=", "~", "!~"])(
		"operator %s and its any-of form",
		(op) => {
			expect(lex(`a ${op} 1`)).toEqual(["path:a", `op:${op}`, "number:1"]);
			expect(lex(`a ?${op} 1`)).toEqual(["path:a", `op:?${op}`, "number:1"]);
			expect(lex(`a${op}1`)).toEqual(["path:a", `op:${op}`, "number:1"]);
		},
	);

	it("splits operators that touch their operands", () => {
		expect(lex("a>=-1&&(b!~'x'||c?!=@now)")).toEqual([
			"path:a",
			"op:>=",
			"number:-1",
			"&&",
			"(",
			"path:b",
			"op:!~",
			'string:"x"',
			"||",
			"path:c",
			"op:?!=",
			"macro:now",
			")",
		]);
	});

	it("reads '==' as two '=' operators, left for the parser to refuse", () => {
		expect(lex("a == 1")).toEqual(["path:a", "op:=", "op:=", "number:1"]);
	});

	it("records start and end offsets", () => {
		expect(tokenizeFilter(`  ab.c ?>= "x" && @now`)).toEqual([
			{ kind: "path", segments: ["ab", "c"], pos: 2, end: 6 },
			{ kind: "operator", operator: ">=", anyOf: true, pos: 7, end: 10 },
			{ kind: "string", value: "x", pos: 11, end: 14 },
			{ kind: "&&", pos: 15, end: 17 },
			{ kind: "macro", name: "now", segments: [], pos: 18, end: 22 },
		]);
	});
});

describe("tokenizeFilter: strings", () => {
	it.each<[string, string]>([
		[`"abc"`, "abc"],
		[`'abc'`, "abc"],
		[`""`, ""],
		[`''`, ""],
		[`"it's"`, "it's"],
		[`'say "hi"'`, 'say "hi"'],
		[String.raw`"a\\b"`, "a\\b"],
		[String.raw`"a\"b"`, 'a"b'],
		[String.raw`'a\'b'`, "a'b"],
		[String.raw`"a\'b"`, "a'b"],
		[String.raw`'a\"b'`, 'a"b'],
		[String.raw`"\n\t\r"`, "\n\t\r"],
		[String.raw`"\u0041\u00e9\u00E9"`, "Aéé"],
		[String.raw`"\ud83d\ude00"`, "😀"],
		[`"raw\nnewline"`, "raw\nnewline"],
		[`"😀 é"`, "😀 é"],
		[`"&& || ( ) = @now"`, "&& || ( ) = @now"],
	])("%s", (source, value) => {
		expect(tokenizeFilter(source)).toEqual([
			{ kind: "string", value, pos: 0, end: source.length },
		]);
	});
});

describe("tokenizeFilter: numbers", () => {
	it.each<[string, number]>([
		["0", 0],
		["7", 7],
		["42", 42],
		["-0", -0],
		["-42", -42],
		["3.25", 3.25],
		["-0.5", -0.5],
		["1e3", 1000],
		["1E3", 1000],
		["2.5e-3", 0.0025],
		["1e+21", 1e21],
		["-1.5E+2", -150],
		["9007199254740993", 9007199254740992],
	])("%s", (source, value) => {
		expect(tokenizeFilter(source)).toEqual([
			{ kind: "number", value, pos: 0, end: source.length },
		]);
	});

	it("reads a minus glued to a number as its sign, even after an operator", () => {
		expect(lex("a=-1")).toEqual(["path:a", "op:=", "number:-1"]);
		expect(lex("a!=-1")).toEqual(["path:a", "op:!=", "number:-1"]);
	});
});

describe("tokenizeFilter: errors", () => {
	it.each<[string, number, string]>([
		[`a = "abc`, 4, "unterminated string starting at position 4"],
		[`'abc`, 0, "unterminated string starting at position 0"],
		[`"abc\\`, 0, "unterminated string starting at position 0"],
		[`"a\\"`, 0, "unterminated string starting at position 0"],
		[`"a\\qb"`, 2, "unknown escape \\q at position 2"],
		[`"a\\xff"`, 2, "unknown escape \\x at position 2"],
		[`"\\u12g4"`, 1, "invalid unicode escape at position 1"],
		[`"\\u12"`, 1, "invalid unicode escape at position 1"],
		[
			"1.2.3",
			3,
			'unexpected "." at position 3: expected the end of the number 1.2',
		],
		["01x", 1, 'unexpected "1" at position 1: expected no leading zeros'],
		["00", 1, 'unexpected "0" at position 1'],
		["-01", 2, 'unexpected "1" at position 2'],
		[
			"0x1f",
			1,
			'unexpected "x" at position 1: expected the end of the number 0',
		],
		["12px", 2, 'unexpected "p" at position 2'],
		[
			"1.",
			2,
			"unexpected end of input at position 2: expected a digit after the decimal point",
		],
		["1.e5", 2, 'unexpected "e" at position 2'],
		[".5", 0, 'unexpected "." at position 0'],
		[
			"1e",
			2,
			"unexpected end of input at position 2: expected a digit in the exponent",
		],
		["1e+", 3, "expected a digit in the exponent"],
		[
			"a = -",
			5,
			'unexpected end of input at position 5: expected a digit after "-"',
		],
		["a = - 1", 5, 'unexpected " " at position 5: expected a digit after "-"'],
		["-x", 1, 'unexpected "x" at position 1'],
		["1e999", 0, "number 1e999 at position 0 is out of range"],
		[
			"author.",
			7,
			'unexpected end of input at position 7: expected a field name after "."',
		],
		["a..b", 2, 'unexpected "." at position 2'],
		["a.1", 2, 'unexpected "1" at position 2'],
		["a .b", 2, 'unexpected "." at position 2'],
		["true.x", 4, 'unexpected "." at position 4: true is a reserved word'],
		[
			"@",
			1,
			'unexpected end of input at position 1: expected a macro name after "@"',
		],
		["@ now", 1, 'unexpected " " at position 1'],
		["@request.", 9, "at position 9"],
		["a & b", 2, 'unexpected "&" at position 2: expected "&&"'],
		["a | b", 2, 'unexpected "|" at position 2: expected "||"'],
		["a ! 1", 2, 'unexpected "!" at position 2: expected "!=" or "!~"'],
		["a ?? 1", 2, 'unexpected "?" at position 2: expected an any-of operator'],
		["a ? = 1", 2, 'unexpected "?" at position 2'],
		[
			"a # 1",
			2,
			'unexpected "#" at position 2: expected a field, value, operator or parenthesis',
		],
		["a = [1]", 4, 'unexpected "[" at position 4'],
		["a = `x`", 4, 'unexpected "`" at position 4'],
		["é = 1", 0, 'unexpected "é" at position 0'],
		["a = 1 😀", 6, 'unexpected "😀" at position 6'],
		["a\u00a0= 1", 1, "at position 1"],
		["a\f= 1", 1, "at position 1"],
	])("%j fails at %i", (source, position, message) => {
		const err = lexError(source);
		expect(err.position).toBe(position);
		expect(err.message).toContain(message);
		expect(err.name).toBe("FilterSyntaxError");
	});
});
