import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "./spawn-server.js";

const run = promisify(execFile);

/** What a finished `basalt` process left: its exit code and its output. */
export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/**
 * Runs the built CLI (`buildServer()` first) with `env` over this process's
 * environment; resolves with the exit code and output instead of throwing.
 * `fileSizeLimitKb` runs it under `ulimit -f`: a write past that size fails (EFBIG),
 * as on a full disk.
 */
export async function runCli(
	args: string[],
	env: Record<string, string | undefined>,
	options: { fileSizeLimitKb?: number } = {},
): Promise<CliResult> {
	const main = path.join(packageRoot, "dist/cli/main.js");
	const command =
		options.fileSizeLimitKb === undefined
			? [process.execPath, main, ...args]
			: [
					"bash",
					"-c",
					`ulimit -f ${options.fileSizeLimitKb}; exec "$0" "$@"`,
					process.execPath,
					main,
					...args,
				];
	const [file = "", ...rest] = command;
	try {
		const { stdout, stderr } = await run(file, rest, {
			env: { ...process.env, ...env },
			timeout: 60_000,
		});
		return { code: 0, stdout, stderr };
	} catch (err: unknown) {
		const e = err as { code: number; stdout: string; stderr: string };
		return { code: e.code, stdout: e.stdout, stderr: e.stderr };
	}
}
