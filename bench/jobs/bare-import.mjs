// The baseline of the import, in its own process (bench/jobs/jobs.mjs): the same CSV
// streamed through csv-parse into a fresh SQLite file with Basalt's pragmas, 500 rows
// per transaction through one prepared statement, and nothing else (no validation, no
// rules, no checkpoint). argv[2] is a spec file; prints one JSON line to stdout.
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse";
import { createIdGenerator } from "../../packages/server/dist/tools/ids/index.js";
import { openSqliteFile } from "../lib/sqlite-file.mjs";
import { startRssSampler } from "./peak-rss.mjs";

const BATCH = 500;
/** The table Basalt creates for `items` (code text, title text, n number). */
const CREATE_ITEMS =
	'CREATE TABLE "items" ("id" text not null primary key, "created" TEXT not null, "updated" TEXT not null, "code" TEXT, "title" TEXT, "n" REAL)';

/** Inserts the file's rows in batches; returns how many went in. */
async function insertRows(db, csvFile) {
	db.exec(CREATE_ITEMS);
	const insert = db.prepare(
		"INSERT INTO items (id, created, updated, code, title, n) VALUES (?, ?, ?, ?, ?, ?)",
	);
	const insertBatch = db.transaction((rows) => {
		for (const row of rows) insert.run(row);
	});
	const nextId = createIdGenerator();
	const records = createReadStream(csvFile).pipe(
		parse({ columns: true, bom: true, skip_empty_lines: true }),
	);
	let batch = [];
	let count = 0;
	for await (const record of records) {
		const now = new Date().toISOString();
		batch.push([
			nextId(),
			now,
			now,
			record.code,
			record.title,
			Number(record.n),
		]);
		if (batch.length === BATCH) {
			insertBatch(batch);
			count += batch.length;
			batch = [];
		}
	}
	insertBatch(batch);
	return count + batch.length;
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const rss = startRssSampler();
const db = openSqliteFile(path.join(spec.dataDir, "bare.db"));
try {
	const started = performance.now();
	const rows = await insertRows(db, spec.csvFile);
	const ms = performance.now() - started;
	if (rows !== spec.rows)
		throw new Error(`inserted ${rows} of ${spec.rows} rows`);
	process.stdout.write(`${JSON.stringify({ rows, ms, ...rss.stop() })}\n`);
} finally {
	db.close();
}
