import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";

/** The formats an import accepts. */
export type ImportFormat = "csv" | "ndjson";

/** One data row of an import file, by the line it ends on (1-based). */
export type ImportRow =
	| { line: number; row: Record<string, unknown> }
	| { line: number; error: string };

/** A file that cannot be read on as CSV at all: the line says where. */
export class ImportParseError extends Error {
	readonly line: number;
	constructor(line: number, message: string) {
		super(`line ${line}: ${message}`);
		this.name = "ImportParseError";
		this.line = line;
	}
}

/**
 * Streams the rows of an import file, never holding more than one in memory (csv-parse
 * for CSV with a header row, readline for NDJSON). Rows ending on or before
 * `afterLine` are skipped: that is how a resumed import continues where its last
 * committed batch ended. An unreadable NDJSON line is a row error; broken CSV quoting
 * ends the file with ImportParseError, since nothing after it can be trusted.
 */
export async function* readImportRows(
	file: string,
	format: ImportFormat,
	afterLine = 0,
): AsyncGenerator<ImportRow> {
	if (format === "ndjson") {
		yield* readNdjson(file, afterLine);
		return;
	}
	yield* readCsv(file, afterLine);
}

/**
 * CSV rows by line. csv-parse's per-record `info` doubled the parse cost (measured:
 * 818 vs 370 ms for 200k rows), so lines are counted here instead: each record ends
 * one line after the previous one, plus the line breaks inside its quoted cells. A row
 * with the wrong number of cells is a row error, not the end of the file.
 */
async function* readCsv(
	file: string,
	afterLine: number,
): AsyncGenerator<ImportRow> {
	const parser = createReadStream(file).pipe(
		parse({ bom: true, relax_column_count: true, skip_empty_lines: false }),
	);
	let header: string[] | undefined;
	let line = 0;
	try {
		for await (const cells of parser as AsyncIterable<string[]>) {
			line += 1;
			for (const cell of cells)
				for (
					let i = cell.indexOf("\n");
					i !== -1;
					i = cell.indexOf("\n", i + 1)
				)
					line += 1;
			if (cells.length === 1 && cells[0] === "") continue; // an empty line
			if (!header) {
				header = cells;
				continue;
			}
			if (line <= afterLine) continue;
			if (cells.length !== header.length) {
				yield {
					line,
					error: `has ${cells.length} cells where the header has ${header.length}`,
				};
				continue;
			}
			const row: Record<string, string> = {};
			for (let i = 0; i < header.length; i++)
				row[header[i] as string] = cells[i] as string;
			yield { line, row };
		}
	} catch (err: unknown) {
		const at = (err as { lines?: number }).lines ?? line;
		throw new ImportParseError(
			at,
			err instanceof Error
				? err.message.replace(/^Invalid [^:]*: /, "")
				: String(err),
		);
	}
}

async function* readNdjson(
	file: string,
	afterLine: number,
): AsyncGenerator<ImportRow> {
	const lines = createInterface({
		input: createReadStream(file),
		crlfDelay: Number.POSITIVE_INFINITY,
	});
	let line = 0;
	for await (const text of lines) {
		line += 1;
		if (line <= afterLine || text.trim() === "") continue;
		let value: unknown;
		try {
			value = JSON.parse(text);
		} catch {
			yield { line, error: "not valid JSON" };
			continue;
		}
		if (typeof value !== "object" || value === null || Array.isArray(value)) {
			yield { line, error: "not a JSON object" };
			continue;
		}
		yield { line, row: value as Record<string, unknown> };
	}
}
