import { once } from "node:events";
import { createWriteStream } from "node:fs";

const LINES_PER_WRITE = 1000;

/** One data row: a unique code, a title (every 10th quoted, with a comma) and a number. */
function itemLine(i) {
	const code = `c${String(i).padStart(8, "0")}`;
	const title = i % 10 === 0 ? `"Item ${i}, boxed"` : `Item ${i}`;
	return `${code},${title},${(i * 7919) % 100_000}.5\n`;
}

/**
 * Writes the import file, `code,title,n` with `rows` data rows, in chunks that wait
 * for the stream to drain: the file can be far larger than the memory it takes.
 */
export async function writeItemsCsv(file, rows) {
	const out = createWriteStream(file);
	out.write("code,title,n\n");
	for (let start = 0; start < rows; start += LINES_PER_WRITE) {
		let chunk = "";
		const end = Math.min(rows, start + LINES_PER_WRITE);
		for (let i = start; i < end; i++) chunk += itemLine(i);
		if (!out.write(chunk)) await once(out, "drain");
	}
	out.end();
	await once(out, "finish");
}
