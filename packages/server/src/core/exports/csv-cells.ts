/**
 * One CSV line (RFC 4180): a cell with a comma, quote or line break is quoted, quotes
 * doubled. Text that a spreadsheet would run as a formula (starting with = + - @, or
 * a tab or carriage return) gets a leading apostrophe (OWASP "CSV injection"); real
 * numbers are written as they are, so -5 stays a number.
 */
export function csvLine(cells: readonly unknown[]): string {
	return `${cells.map(csvCell).join(",")}\r\n`;
}

function csvCell(value: unknown): string {
	if (value === null || value === undefined) return "";
	if (typeof value === "number" || typeof value === "boolean")
		return String(value);
	let text = typeof value === "string" ? value : JSON.stringify(value);
	if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
