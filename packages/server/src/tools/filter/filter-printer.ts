/**
 * Prints a filter AST back to source text that `parseFilter` reads as the same AST.
 *
 * Used by round-trip property tests, and to show a normalized filter in logs.
 */
import type {
	FilterExpression,
	LiteralOperand,
	Operand,
} from "./filter-ast.js";

const RESERVED: ReadonlySet<string> = new Set(["true", "false", "null"]);

/**
 * Formats an AST as filter source; throws RangeError for a name or number the
 * language cannot spell (`pos` fields are ignored).
 *
 * @example formatFilter(parseFilter("a=1&&(b=2||c=3)")) // 'a = 1 && (b = 2 || c = 3)'
 */
export function formatFilter(expr: FilterExpression): string {
	if (expr.kind === "comparison") {
		const operator = `${expr.anyOf ? "?" : ""}${expr.operator}`;
		return `${formatOperand(expr.left)} ${operator} ${formatOperand(expr.right)}`;
	}
	// Every nested logical node gets parentheses: the parser keeps a parenthesized group
	// as its own node, so `(a && b) && c` reads back exactly as it was built.
	const items = expr.items.map((item) =>
		item.kind === "logical" ? `(${formatFilter(item)})` : formatFilter(item),
	);
	return items.join(` ${expr.operator} `);
}

function formatOperand(operand: Operand): string {
	switch (operand.kind) {
		case "field":
			if (RESERVED.has(operand.path[0] ?? "")) {
				throw new RangeError(
					`cannot format the field path ${operand.path.join(".")}: it starts with a reserved word`,
				);
			}
			return formatPath(operand.path);
		case "request":
			return `@request.${formatPath(operand.path)}`;
		case "collection":
			return `@collection.${formatPath([operand.collection, ...operand.path])}`;
		case "now":
			return "@now";
		case "literal":
			return formatLiteral(operand);
	}
}

function formatPath(path: string[]): string {
	if (path.length === 0)
		throw new RangeError("cannot format an empty field path");
	for (const segment of path) {
		if (!isIdentifier(segment))
			throw new RangeError(
				`cannot format ${JSON.stringify(segment)}: not an identifier`,
			);
	}
	return path.join(".");
}

function isIdentifier(text: string): boolean {
	if (text.length === 0) return false;
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		const letter =
			(code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
		if (!letter && !(i > 0 && code >= 48 && code <= 57)) return false;
	}
	return true;
}

function formatLiteral(literal: LiteralOperand): string {
	const { value } = literal;
	if (typeof value === "string") return quoteString(value);
	if (typeof value !== "number") return String(value);
	if (!Number.isFinite(value))
		throw new RangeError(`cannot format the number ${value}`);
	// String(-0) is "0"; the lexer reads "-0" back as -0.
	return Object.is(value, -0) ? "-0" : String(value);
}

/** Double-quotes a string, escaping what the lexer would not read back as itself. */
function quoteString(value: string): string {
	let out = '"';
	for (let i = 0; i < value.length; i++) {
		const ch = value[i] ?? "";
		const code = value.charCodeAt(i);
		if (ch === '"' || ch === "\\") out += `\\${ch}`;
		else if (ch === "\n") out += "\\n";
		else if (ch === "\t") out += "\\t";
		else if (ch === "\r") out += "\\r";
		// Control characters and lone surrogates are legal but unreadable in logs.
		else if (code < 0x20 || code === 0x7f || isLoneSurrogate(value, i))
			out += `\\u${code.toString(16).padStart(4, "0")}`;
		else out += ch;
	}
	return `${out}"`;
}

function isLoneSurrogate(value: string, i: number): boolean {
	const code = value.charCodeAt(i);
	if (code >= 0xd800 && code <= 0xdbff) {
		const next = value.charCodeAt(i + 1);
		return !(next >= 0xdc00 && next <= 0xdfff);
	}
	if (code >= 0xdc00 && code <= 0xdfff) {
		const prev = value.charCodeAt(i - 1);
		return !(prev >= 0xd800 && prev <= 0xdbff);
	}
	return false;
}
