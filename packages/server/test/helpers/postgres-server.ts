import { execFile, execFileSync } from "node:child_process";
import {
	appendFileSync,
	chownSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster on a loopback port. */
export interface PostgresServer {
	/** URL of the maintenance database; suites create their own databases from it. */
	url: string;
	/** The server's log file. */
	logFile: string;
	/** Stops the server, keeping its data, as an outage would. */
	halt(): Promise<void>;
	/** Starts a halted server again on the same port and data. */
	resume(): Promise<void>;
	stop(): Promise<void>;
}

/** Finds initdb and pg_ctl: Debian's versioned folders first, then PATH. */
export function findPostgresBin(): string | undefined {
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
 * Starts a PostgreSQL cluster in a temp dir: as the `postgres` user when we are root,
 * since the server refuses to run as root; fsync off, because test data need not
 * survive a crash. `settings` go into its postgresql.conf (`ssl: "on"`, say); files
 * they name must be readable by the user the server runs as (see postgresUser).
 */
export async function startPostgres(
	bin: string,
	settings: Record<string, string> = {},
): Promise<PostgresServer> {
	const asRoot = process.getuid?.() === 0;
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-pg-"));
	const dataDir = path.join(dir, "data");
	if (asRoot) chownSync(dir, uidOf("postgres"), gidOf("postgres"));
	const as = (cmd: string, args: string[]) =>
		asRoot
			? run("runuser", ["-u", "postgres", "--", cmd, ...args])
			: run(cmd, args);
	const port = await freePort();
	await as(path.join(bin, "initdb"), [
		"-D",
		dataDir,
		"-U",
		"postgres",
		"--auth=trust",
		"--encoding=UTF8",
		"--locale=C.UTF-8",
	]);
	const lines = Object.entries(settings).map(
		([name, value]) => `${name} = '${value.replace(/'/g, "''")}'\n`,
	);
	if (lines.length > 0)
		appendFileSync(path.join(dataDir, "postgresql.conf"), lines.join(""));
	const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
	const start = () =>
		as(path.join(bin, "pg_ctl"), [
			"-D",
			dataDir,
			"-l",
			path.join(dir, "server.log"),
			"-w",
			"-t",
			"60",
			"-o",
			options,
			"start",
		]);
	await start();
	return {
		url: `postgres://postgres@127.0.0.1:${port}/postgres`,
		logFile: path.join(dir, "server.log"),
		async halt() {
			await as(path.join(bin, "pg_ctl"), [
				"-D",
				dataDir,
				"-m",
				"fast",
				"-w",
				"stop",
			]);
		},
		async resume() {
			await start();
		},
		async stop() {
			await as(path.join(bin, "pg_ctl"), [
				"-D",
				dataDir,
				"-m",
				"immediate",
				"-w",
				"stop",
			]).catch(() => undefined);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/**
 * Tells the uid and gid the server runs as: `postgres` when we are root, else ourselves.
 * Its TLS key must belong to that user (PostgreSQL refuses a key others could read).
 */
export function postgresUser(): { uid: number; gid: number } {
	return process.getuid?.() === 0
		? { uid: uidOf("postgres"), gid: gidOf("postgres") }
		: { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}

function uidOf(user: string): number {
	return Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
}

function gidOf(user: string): number {
	return Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
}
