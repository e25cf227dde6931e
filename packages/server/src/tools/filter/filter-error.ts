/**
 * The one error the filter, sort and field-list parsers throw.
 *
 * `core/` turns it into `INVALID_FILTER` or `INVALID_SORT` with `position` as a
 * problem+json extension (docs/filters.md#errors), so the message is written for the
 * person who typed the filter.
 */

/**
 * Reports a syntax error at a 0-based character offset of the parsed source.
 *
 * @example throw new FilterSyntaxError('unexpected ")" at position 12: expected a value', 12);
 */
export class FilterSyntaxError extends Error {
	/** 0-based offset, in UTF-16 code units, of the character where the problem is. */
	readonly position: number;

	constructor(message: string, position: number) {
		super(message);
		this.name = "FilterSyntaxError";
		this.position = position;
	}
}

/** Tells whether a value is a FilterSyntaxError. */
export function isFilterSyntaxError(
	value: unknown,
): value is FilterSyntaxError {
	return value instanceof FilterSyntaxError;
}

/** Describes the character at `pos` for a message: `"x"`, or `end of input` past the end. */
export function describeChar(source: string, pos: number): string {
	const code = source.codePointAt(pos);
	return code === undefined
		? "end of input"
		: JSON.stringify(String.fromCodePoint(code));
}

/** Creates the usual `unexpected X at position N: expected Y` error. */
export function unexpected(
	found: string,
	pos: number,
	expected: string,
): FilterSyntaxError {
	return new FilterSyntaxError(
		`unexpected ${found} at position ${pos}: expected ${expected}`,
		pos,
	);
}

/** Creates an `unexpected` error for whatever character sits at `pos`. */
export function unexpectedChar(
	source: string,
	pos: number,
	expected: string,
): FilterSyntaxError {
	return unexpected(describeChar(source, pos), pos, expected);
}
