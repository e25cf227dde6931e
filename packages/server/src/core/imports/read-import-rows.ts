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
	const parser = createReadStream(file).pipe(
		parse({
			columns: true,
			bom: true,
			info: true,
			skip_empty_lines: true,
			trim: false,
			relax_column_count: false,
		}),
	);
	try {
		for await (const item of parser as AsyncIterable<{
			record: Record<string, string>;
			info: { lines: number };
		}>) {
			if (item.info.lines <= afterLine) continue;
			yield { line: item.info.lines, row: item.record };
		}
	} catch (err: unknown) {
		const line = (err as { lines?: number }).lines ?? 0;
		throw new ImportParseError(
			line,
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
