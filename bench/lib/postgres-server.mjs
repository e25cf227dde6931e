import { execFile, execFileSync } from "node:child_process";
import {
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Finds initdb and pg_ctl: Debian's versioned folders first, then PATH. */
export function findPostgresBin() {
	const debian = "/usr/lib/postgresql";
	if (existsSync(debian)) {
		const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
		for (const v of versions) {
			const bin = path.join(debian, v, "bin");
			if (existsSync(path.join(bin, "initdb"))) return bin;
		}
	}
	try {
		const initdb = execFileSync("sh", ["-c", "command -v initdb"], {
			encoding: "utf8",
		}).trim();
		return initdb ? path.dirname(initdb) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Starts a throwaway PostgreSQL cluster in a temp dir on `port` (the recipe of
 * packages/server/test/helpers/postgres-server.ts, with PostgreSQL's own durability
 * settings kept, as a deployment would): as the `postgres` user when we are root,
 * since the server refuses to run as root. `kill()` is synchronous, so an `exit`
 * handler can use it.
 */
export async function startPostgresServer(bin, port) {
	const asRoot = process.getuid?.() === 0;
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-bench-pg-"));
	const dataDir = path.join(dir, "data");
	if (asRoot) chownSync(dir, idOf("-u"), idOf("-g"));
	const as = (cmd, args) =>
		asRoot
			? run("runuser", ["-u", "postgres", "--", cmd, ...args])
			: run(cmd, args);
	const ctl = (args) => [path.join(bin, "pg_ctl"), ["-D", dataDir, ...args]];
	await as(path.join(bin, "initdb"), [
		...["-D", dataDir, "-U", "postgres", "--auth=trust"],
		...["--encoding=UTF8", "--locale=C.UTF-8"],
	]);
	await as(
		...ctl([
			...["-l", path.join(dir, "server.log"), "-w", "-t", "60"],
			...[
				"-o",
				`-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`,
			],
			"start",
		]),
	);
	const stopArgs = ctl(["-m", "immediate", "-w", "stop"]);
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		kill() {
			try {
				if (asRoot)
					execFileSync(
						"runuser",
						["-u", "postgres", "--", ...stopArgs.flat()],
						{
							stdio: "ignore",
						},
					);
				else execFileSync(stopArgs[0], stopArgs[1], { stdio: "ignore" });
			} catch {
				// Already stopped.
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

function idOf(flag) {
	return Number(
		execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim(),
	);
}
