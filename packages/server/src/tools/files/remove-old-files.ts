import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

/** Deletes the files of `dir` last changed before `before`; returns how many. A missing dir is empty. */
export async function removeOldFiles(
	dir: string,
	before: Date,
): Promise<number> {
	let names: string[];
	try {
		names = await readdir(dir);
	} catch (err: unknown) {
		if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
		throw err;
	}
	let removed = 0;
	for (const name of names) {
		const file = path.join(dir, name);
		const info = await stat(file).catch(() => undefined);
		if (info?.isFile() && info.mtime < before) {
			await rm(file, { force: true });
			removed += 1;
		}
	}
	return removed;
}
