// The only two characters whose full lower-case mapping (what toLowerCase applies)
// differs from the simple one: "İ" → "i̇" (two code points) instead of "i", and "Σ" →
// "ς" at the end of a word (context-sensitive) instead of "σ".
const FULL_MAPPING_ONLY = /[\u0130\u03a3]/g;

/**
 * Lower-cases text with Unicode's simple case mapping, one code point at a time: the
 * folding PostgreSQL's ILIKE applies, so that `~` answers alike on SQLite (where a
 * JS function folds) and PostgreSQL.
 *
 * @example foldCase("ΟΔΟΣ İ") // "οδοσ i"
 */
export function foldCase(text: string): string {
	return text
		.replace(FULL_MAPPING_ONLY, (ch) => (ch === "\u0130" ? "i" : "σ"))
		.toLowerCase();
}
