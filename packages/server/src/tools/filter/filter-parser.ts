/**
 * The recursive-descent parser of the filter language (docs/filters.md#grammar), and of
 * the `sort` and `fields` list parameters, which share its dot paths
 * (docs/filters.md#sort-fields-expand).
 *
 *   expr    := and ('||' and)*
 *   and     := primary ('&&' primary)*
 *   primary := '(' expr ')' | operand op operand
 *
 * Recursion only happens at "(", and the depth limit is checked before it, so no
 * input can overflow the stack: every failure is a FilterSyntaxError.
 */
import type { FilterExpression, Operand, SortKey } from "./filter-ast.js";
import {
	FilterSyntaxError,
	unexpected,
	unexpectedChar,
} from "./filter-error.js";
import {
	createFilterLexer,
	type FilterLexer,
	scanPath,
	skipWhitespace,
	type Token,
} from "./filter-lexer.js";

/**
 * docs/filters.md#grammar: "Limits: 4 KiB of source, 32 levels of parentheses." The
 * same byte limit guards sort and fields.
 */
const MAX_BYTES = 4096;
const MAX_DEPTH = 32;
const MAX_SORT_KEYS = 16;
const MAX_FIELDS = 100;

interface ParserState {
	source: string;
	lexer: FilterLexer;
	token: Token;
	depth: number;
}

/**
 * Parses a filter or rule expression into its AST; throws FilterSyntaxError.
 *
 * @example parseFilter('title ~ "bas" && views > 10') // a logical "&&" node with 2 items
 */
export function parseFilter(source: string): FilterExpression {
	checkSource(source, "filter");
	const lexer = createFilterLexer(source);
	const state: ParserState = { source, lexer, token: lexer.next(), depth: 0 };
	const expr = parseOr(state);
	if (state.token.kind !== "eof")
		throw unexpectedToken(state, '"&&", "||" or the end of the filter');
	return expr;
}

function parseOr(state: ParserState): FilterExpression {
	return parseLogical(state, "||", () =>
		parseLogical(state, "&&", () => parsePrimary(state)),
	);
}

function parseLogical(
	state: ParserState,
	operator: "&&" | "||",
	parseItem: () => FilterExpression,
): FilterExpression {
	const first = parseItem();
	const items = [first];
	while (state.token.kind === operator) {
		advance(state);
		items.push(parseItem());
	}
	return items.length === 1
		? first
		: { kind: "logical", operator, items, pos: first.pos };
}

function parsePrimary(state: ParserState): FilterExpression {
	const open = state.token;
	if (open.kind !== "(") return parseComparison(state);
	if (state.depth >= MAX_DEPTH) {
		throw new FilterSyntaxError(
			`unexpected "(" at position ${open.pos}: expected at most ${MAX_DEPTH} levels of parentheses`,
			open.pos,
		);
	}
	state.depth++;
	advance(state);
	const expr = parseOr(state);
	if (state.token.kind !== ")") {
		throw unexpectedToken(
			state,
			`"&&", "||" or ")" to close the "(" at position ${open.pos}`,
		);
	}
	state.depth--;
	advance(state);
	return expr;
}

function parseComparison(state: ParserState): FilterExpression {
	const left = parseOperand(state, 'a field, a value or "("');
	const op = state.token;
	if (op.kind !== "operator")
		throw unexpectedToken(state, 'a comparison operator such as "=" or "~"');
	advance(state);
	const right = parseOperand(state, "a value");
	return {
		kind: "comparison",
		operator: op.operator,
		anyOf: op.anyOf,
		left,
		right,
		pos: left.pos,
	};
}

function parseOperand(state: ParserState, expected: string): Operand {
	const operand = toOperand(state.token);
	if (operand === undefined) throw unexpectedToken(state, expected);
	advance(state);
	return operand;
}

function toOperand(token: Token): Operand | undefined {
	switch (token.kind) {
		case "path":
			return { kind: "field", path: token.segments, pos: token.pos };
		case "macro":
			return macroOperand(token);
		case "string":
		case "number":
		case "keyword":
			return { kind: "literal", value: token.value, pos: token.pos };
		default:
			return undefined;
	}
}

type MacroToken = Extract<Token, { kind: "macro" }>;

/** Turns `@now`, `@request.<path>` or `@collection.<name>.<path>` into an operand. */
function macroOperand(token: MacroToken): Operand {
	const { name, segments, pos, end } = token;
	if (name === "now") {
		if (segments.length === 0) return { kind: "now", pos };
		const dot = pos + "@now".length;
		throw new FilterSyntaxError(
			`unexpected "." at position ${dot}: @now has no fields`,
			dot,
		);
	}
	if (name === "request") {
		if (segments.length > 0) return { kind: "request", path: segments, pos };
		throw incomplete(
			"@request",
			end,
			'"." and a field name, as in @request.auth.id',
		);
	}
	if (name === "collection") {
		const [collection, ...path] = segments;
		if (collection === undefined) {
			throw incomplete(
				"@collection",
				end,
				'"." and a collection name, as in @collection.members.user',
			);
		}
		if (path.length > 0) return { kind: "collection", collection, path, pos };
		throw incomplete(
			`@collection.${collection}`,
			end,
			'"." and a field name, as in @collection.members.user',
		);
	}
	throw new FilterSyntaxError(
		`unknown macro "@${name}" at position ${pos}: expected @now, @request or @collection`,
		pos,
	);
}

function incomplete(
	found: string,
	pos: number,
	expected: string,
): FilterSyntaxError {
	return new FilterSyntaxError(
		`incomplete ${found} at position ${pos}: expected ${expected}`,
		pos,
	);
}

function advance(state: ParserState): void {
	state.token = state.lexer.next();
}

function unexpectedToken(
	state: ParserState,
	expected: string,
): FilterSyntaxError {
	const { token, source } = state;
	if (token.kind === "eof")
		return unexpected("end of input", token.pos, expected);
	if (token.kind === "string") return unexpected("string", token.pos, expected);
	const text = source.slice(token.pos, token.end);
	const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
	return unexpected(JSON.stringify(shown), token.pos, expected);
}

/** Refuses a non-string or a source over MAX_BYTES, naming the first character past it. */
function checkSource(source: unknown, what: string): asserts source is string {
	if (typeof source !== "string")
		throw new FilterSyntaxError(`the ${what} is not a string`, 0);
	// A UTF-16 unit is at least one UTF-8 byte, so short sources need no counting.
	if (source.length <= MAX_BYTES / 3) return;
	let bytes = 0;
	for (let i = 0; i < source.length; i++) {
		const start = i;
		const code = source.codePointAt(i) ?? 0;
		// A lone surrogate is encoded as U+FFFD, 3 bytes, like Buffer.byteLength counts it.
		bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
		if (code >= 0x10000) i++;
		if (bytes > MAX_BYTES) {
			throw new FilterSyntaxError(
				`the ${what} is too long at position ${start}: expected at most ${MAX_BYTES} bytes of UTF-8`,
				start,
			);
		}
	}
}

/**
 * Parses a sort list such as `-created,title,+views`; throws FilterSyntaxError.
 *
 * `-` sorts descending, `+` or no sign ascending. Whitespace may surround a key but not
 * split a sign from its path.
 *
 * @example parseSort("-created,title") // [{ path: ["created"], direction: "desc", pos: 0 }, …]
 */
export function parseSort(source: string): SortKey[] {
	checkSource(source, "sort");
	return parseList(source, "sort key", MAX_SORT_KEYS, (pos) => {
		const sign = source[pos];
		const signed = sign === "-" || sign === "+";
		const { segments, end } = scanPath(
			source,
			signed ? pos + 1 : pos,
			signed ? `a field name after "${sign}"` : "a field name",
		);
		return {
			value: { path: segments, direction: sign === "-" ? "desc" : "asc", pos },
			end,
		};
	});
}

/**
 * Parses a field list such as `id,title,expand.author` into dot paths; throws FilterSyntaxError.
 *
 * @example parseFieldList("id,expand.author") // [["id"], ["expand", "author"]]
 */
export function parseFieldList(source: string): string[][] {
	checkSource(source, "field list");
	return parseList(source, "field", MAX_FIELDS, (pos) => {
		const { segments, end } = scanPath(source, pos, "a field name");
		return { value: segments, end };
	});
}

/** Parses `item (',' item)*` with optional whitespace around each item. */
function parseList<T>(
	source: string,
	what: string,
	max: number,
	parseItem: (pos: number) => { value: T; end: number },
): T[] {
	const items: T[] = [];
	let pos = skipWhitespace(source, 0);
	for (;;) {
		if (items.length === max) {
			throw new FilterSyntaxError(
				`too many ${what}s at position ${pos}: expected at most ${max}`,
				pos,
			);
		}
		const item = parseItem(pos);
		items.push(item.value);
		pos = skipWhitespace(source, item.end);
		if (pos === source.length) return items;
		if (source[pos] !== ",")
			throw unexpectedChar(source, pos, '"," or the end of the list');
		pos = skipWhitespace(source, pos + 1);
	}
}
