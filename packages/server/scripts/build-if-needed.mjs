// Builds packages/server with tsc unless dist/ is newer than every source file, so
// `npm start` is quick after the first run and never serves stale code.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const marker = path.join(root, "dist", ".build-stamp");
const tsc = path.join(
	root,
	"..",
	"..",
	"node_modules",
	"typescript",
	"bin",
	"tsc",
);

function newestSource(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		newest = Math.max(
			newest,
			entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs,
		);
	}
	return newest;
}

const sources = Math.max(
	newestSource(path.join(root, "src")),
	statSync(path.join(root, "tsconfig.json")).mtimeMs,
);
const stale = !existsSync(marker) || statSync(marker).mtimeMs < sources;
if (stale || process.argv.includes("--force")) {
	execFileSync(process.execPath, [tsc, "-p", root], { stdio: "inherit" });
	writeFileSync(marker, "");
}
