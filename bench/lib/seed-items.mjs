import { createIdGenerator } from "../../packages/server/dist/tools/ids/index.js";
import { openSqliteFile } from "./sqlite-file.mjs";

/**
 * Inserts `count` rows into the `items` table Basalt created, in one transaction
 * (about 1 s for 100k rows, against minutes through the HTTP API). Run it while
 * Basalt is stopped, so the file has one writer. Returns every (count /
 * sampleSize)-th id, for the view scenario.
 */
export function seedItems(file, { count, categories, sampleSize }) {
	const db = openSqliteFile(file);
	try {
		const insert = db.prepare(
			"INSERT INTO items (id, created, updated, title, category, score) VALUES (?, ?, ?, ?, ?, ?)",
		);
		const nextId = createIdGenerator();
		const step = Math.max(1, Math.floor(count / sampleSize));
		const sample = [];
		db.transaction(() => {
			for (let i = 0; i < count; i++) {
				const id = nextId();
				const now = new Date().toISOString();
				const category = `c${i % categories}`;
				insert.run(id, now, now, `item ${i}`, category, (i * 7919) % 1000);
				if (i % step === 0 && sample.length < sampleSize) sample.push(id);
			}
		})();
		return sample;
	} finally {
		db.close();
	}
}
