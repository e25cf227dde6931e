/**
 * The lexer of the filter language (docs/filters.md#grammar): source text to tokens.
 *
 * Hand-written and linear: each scan function reads from an offset and returns the
 * token with its `end`, so the lexer keeps no state but the current offset and the
 * parser pulls tokens one at a time. Pulling means the first error in the source is
 * the one reported, whether the lexer or the parser finds it.
 */
import type { ComparisonOperator } from "./filter-ast.js";
import {
	describeChar,
	FilterSyntaxError,
	unexpected,
	unexpectedChar,
} from "./filter-error.js";

/** Where a token sits: `pos` is its 0-based start offset and `end` the offset just past it. */
export interface TokenSpan {
	pos: number;
	end: number;
}

/** One token of the filter language. */
export type Token = TokenSpan &
	(
		| { kind: "path"; segments: string[] }
		| { kind: "macro"; name: string; segments: string[] }
		| { kind: "string"; value: string }
		| { kind: "number"; value: number }
		| { kind: "keyword"; value: boolean | null }
		| { kind: "operator"; operator: ComparisonOperator; anyOf: boolean }
		| { kind: "&&" | "||" | "(" | ")" | "eof" }
	);

/** A pull lexer over one source string. */
export interface FilterLexer {
	/** Returns the next token; after the last one, an `eof` token at the source length. */
	next(): Token;
}

const KEYWORDS: ReadonlyMap<string, boolean | null> = new Map([
	["true", true],
	["false", false],
	["null", null],
]);

/** Tells whether a character code may start an identifier: `[A-Za-z_]`. */
function isIdentifierStart(code: number): boolean {
	return (
		(code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
	);
}

function isIdentifierPart(code: number): boolean {
	return isIdentifierStart(code) || isDigit(code);
}

function isDigit(code: number): boolean {
	return code >= 48 && code <= 57;
}

function isHexDigit(ch: string): boolean {
	const code = ch.charCodeAt(0) | 0x20; // folds A-F onto a-f
	return isDigit(ch.charCodeAt(0)) || (code >= 97 && code <= 102);
}

/** Returns the first offset at or after `pos` that is not a space, tab, CR or LF. */
export function skipWhitespace(source: string, pos: number): number {
	let i = pos;
	while (i < source.length) {
		const c = source.charCodeAt(i);
		if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
		i++;
	}
	return i;
}

function scanIdentifier(source: string, pos: number, expected: string): string {
	if (!isIdentifierStart(source.charCodeAt(pos)))
		throw unexpectedChar(source, pos, expected);
	let i = pos + 1;
	while (isIdentifierPart(source.charCodeAt(i))) i++;
	return source.slice(pos, i);
}

/**
 * Scans a dot path of identifiers (`author.name`) starting at `pos`.
 *
 * No whitespace is allowed around the dots, so `a .b` is a path and a stray ".".
 */
export function scanPath(
	source: string,
	pos: number,
	expected: string,
): { segments: string[]; end: number } {
	const segments = [scanIdentifier(source, pos, expected)];
	let end = pos + (segments[0] ?? "").length;
	while (source.charCodeAt(end) === 46) {
		const segment = scanIdentifier(source, end + 1, 'a field name after "."');
		segments.push(segment);
		end += 1 + segment.length;
	}
	return { segments, end };
}

function scanWord(source: string, pos: number): Token {
	const { segments, end } = scanPath(source, pos, "a field name");
	const [first] = segments;
	const keyword = first === undefined ? undefined : KEYWORDS.get(first);
	if (keyword === undefined) return { kind: "path", segments, pos, end };
	// Reserved words never start a path, so `true.x` cannot mean a field named "true".
	if (segments.length > 1) {
		const dot = pos + (first ?? "").length;
		throw new FilterSyntaxError(
			`unexpected "." at position ${dot}: ${first} is a reserved word and cannot start a field path`,
			dot,
		);
	}
	return { kind: "keyword", value: keyword, pos, end };
}

function scanMacro(source: string, pos: number): Token {
	const { segments, end } = scanPath(source, pos + 1, 'a macro name after "@"');
	const [name = "", ...rest] = segments;
	return { kind: "macro", name, segments: rest, pos, end };
}

const ESCAPES: ReadonlyMap<string, string> = new Map([
	["\\", "\\"],
	['"', '"'],
	["'", "'"],
	["n", "\n"],
	["t", "\t"],
	["r", "\r"],
]);

function scanUnicodeEscape(source: string, pos: number): string {
	const hex = source.slice(pos + 2, pos + 6);
	if (hex.length !== 4 || ![...hex].every(isHexDigit)) {
		throw new FilterSyntaxError(
			`invalid unicode escape at position ${pos}: expected 4 hex digits after \\u`,
			pos,
		);
	}
	return String.fromCharCode(Number.parseInt(hex, 16));
}

function scanString(source: string, pos: number): Token {
	const quote = source[pos];
	let value = "";
	let i = pos + 1;
	while (i < source.length) {
		const ch = source[i];
		if (ch === quote) return { kind: "string", value, pos, end: i + 1 };
		if (ch !== "\\") {
			value += ch;
			i++;
			continue;
		}
		const next = source[i + 1];
		if (next === undefined) break;
		const simple = ESCAPES.get(next);
		if (simple !== undefined) value += simple;
		else if (next === "u") value += scanUnicodeEscape(source, i);
		else throw unknownEscape(source, i);
		i += next === "u" ? 6 : 2;
	}
	throw new FilterSyntaxError(
		`unterminated string starting at position ${pos}`,
		pos,
	);
}

function unknownEscape(source: string, pos: number): FilterSyntaxError {
	const ch = String.fromCodePoint(source.codePointAt(pos + 1) ?? 0);
	return new FilterSyntaxError(
		`unknown escape \\${ch} at position ${pos}: expected \\\\, \\", \\', \\n, \\t, \\r or \\uXXXX`,
		pos,
	);
}

function scanDigits(source: string, pos: number, expected: string): number {
	if (!isDigit(source.charCodeAt(pos)))
		throw unexpectedChar(source, pos, expected);
	let i = pos + 1;
	while (isDigit(source.charCodeAt(i))) i++;
	return i;
}

/** Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the JSON number grammar. */
function scanNumber(source: string, pos: number): Token {
	const intStart = source[pos] === "-" ? pos + 1 : pos;
	let i = scanDigits(source, intStart, 'a digit after "-"');
	if (source[intStart] === "0" && i > intStart + 1) {
		throw unexpectedChar(source, intStart + 1, "no leading zeros in a number");
	}
	if (source[i] === ".")
		i = scanDigits(source, i + 1, "a digit after the decimal point");
	if (source[i] === "e" || source[i] === "E") {
		const signed = source[i + 1] === "+" || source[i + 1] === "-";
		i = scanDigits(source, i + (signed ? 2 : 1), "a digit in the exponent");
	}
	const after = source.charCodeAt(i);
	const text = source.slice(pos, i);
	// `1.2.3` or `12px` must not lex as a number followed by something else.
	if (after === 46 || isIdentifierPart(after)) {
		throw unexpectedChar(source, i, `the end of the number ${text}`);
	}
	const value = Number(text);
	if (!Number.isFinite(value)) {
		const message = `number ${text} at position ${pos} is out of range`;
		throw new FilterSyntaxError(message, pos);
	}
	return { kind: "number", value, pos, end: i };
}

type OperatorToken = Extract<Token, { kind: "operator" }>;

function scanComparison(
	source: string,
	pos: number,
): OperatorToken | undefined {
	const ch = source[pos];
	const eq = source[pos + 1] === "=";
	let operator: ComparisonOperator | undefined;
	if (ch === "=" || ch === "~") operator = ch;
	else if (ch === ">" || ch === "<") operator = eq ? `${ch}=` : ch;
	else if (ch === "!" && (eq || source[pos + 1] === "~"))
		operator = eq ? "!=" : "!~";
	if (operator === undefined) return undefined;
	const end = pos + operator.length;
	return { kind: "operator", operator, anyOf: false, pos, end };
}

function scanOperator(source: string, pos: number): Token {
	const ch = source[pos];
	if ((ch === "&" || ch === "|") && source[pos + 1] === ch) {
		return { kind: ch === "&" ? "&&" : "||", pos, end: pos + 2 };
	}
	const anyOf = ch === "?";
	const token = scanComparison(source, anyOf ? pos + 1 : pos);
	if (token !== undefined) return { ...token, anyOf, pos };
	throw unexpected(
		describeChar(source, pos),
		pos,
		OPERATOR_HINTS.get(ch ?? "") ?? SOME_TOKEN,
	);
}

const SOME_TOKEN = "a field, value, operator or parenthesis";

// A lone first character of a two-character operator names the operators it starts.
const OPERATOR_HINTS: ReadonlyMap<string, string> = new Map([
	["&", '"&&"'],
	["|", '"||"'],
	["!", '"!=" or "!~"'],
	["?", 'an any-of operator such as "?=" or "?~"'],
]);

/** Scans the one token that starts at `pos`, which is not whitespace. */
function scanToken(source: string, pos: number): Token {
	if (pos >= source.length)
		return { kind: "eof", pos: source.length, end: source.length };
	const ch = source[pos];
	const code = source.charCodeAt(pos);
	if (ch === "(" || ch === ")") return { kind: ch, pos, end: pos + 1 };
	if (ch === '"' || ch === "'") return scanString(source, pos);
	if (ch === "@") return scanMacro(source, pos);
	if (ch === "-" || isDigit(code)) return scanNumber(source, pos);
	if (isIdentifierStart(code)) return scanWord(source, pos);
	return scanOperator(source, pos);
}

/** Creates a pull lexer over `source`; it throws FilterSyntaxError on the first bad token. */
export function createFilterLexer(source: string): FilterLexer {
	let offset = 0;
	return {
		next(): Token {
			const token = scanToken(source, skipWhitespace(source, offset));
			offset = token.end;
			return token;
		},
	};
}

/**
 * Splits a filter into tokens, without the final `eof`; for tests and tooling.
 *
 * @example tokenizeFilter("views >= 10") // path, operator, number
 */
export function tokenizeFilter(source: string): Token[] {
	const lexer = createFilterLexer(source);
	const tokens: Token[] = [];
	for (let token = lexer.next(); token.kind !== "eof"; token = lexer.next())
		tokens.push(token);
	return tokens;
}
