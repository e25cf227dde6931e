import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
	type DialectFuzzOptions,
	type DialectFuzzResult,
	fuzzDialect,
} from "./fuzz-dialect.js";

/*
 * A dialect's fuzz run in a child process (vite-node runs this file), so that two
 * dialects use both cores of a machine: each process sends its requests in-process
 * with `inject`, and this one hands its result back as one line of JSON.
 */

const RESULT = "FUZZ_RESULT ";
const OPTIONS = "FUZZ_CHILD_OPTIONS";

/** Runs fuzzDialect in a child process and returns its result. */
export function fuzzDialectInChild(
	options: DialectFuzzOptions,
): Promise<DialectFuzzResult> {
	const require = createRequire(import.meta.url);
	const viteNode = path.join(
		path.dirname(require.resolve("vite-node/package.json")),
		"vite-node.mjs",
	);
	const child = spawn(
		process.execPath,
		[viteNode, fileURLToPath(import.meta.url)],
		{
			cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../.."),
			env: { ...process.env, [OPTIONS]: JSON.stringify(options) },
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => {
		stdout += chunk.toString("utf8");
	});
	child.stderr.on("data", (chunk: Buffer) => {
		stderr = (stderr + chunk.toString("utf8")).slice(-20_000);
	});
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("close", (code) => {
			const line = stdout.split("\n").find((l) => l.startsWith(RESULT));
			if (code === 0 && line)
				resolve(JSON.parse(line.slice(RESULT.length)) as DialectFuzzResult);
			else
				reject(
					new Error(
						`the ${options.dialect} fuzz process exited with ${code}:\n${stderr}`,
					),
				);
		});
	});
}

// Run as a script (only fuzzDialectInChild sets the variable): the options come
// from the parent, the result goes to stdout.
const given = process.env[OPTIONS];
if (given) {
	const result = await fuzzDialect(JSON.parse(given) as DialectFuzzOptions);
	process.stdout.write(`${RESULT}${JSON.stringify(result)}\n`);
	process.exit(0);
}
