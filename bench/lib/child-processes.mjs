import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const STOP_GRACE_MS = 5_000;
const READY_TIMEOUT_MS = 30_000;

/**
 * Creates a registry of the child processes a benchmark starts, so that every exit
 * path (success, error, Ctrl-C) can stop them: a forgotten server would keep its
 * port and skew the next run.
 */
export function createChildProcesses() {
	const running = new Set();

	/**
	 * Starts `node script args…`; stderr is kept so a crash can be explained. With
	 * `stdoutFile` the child writes its stdout (log lines) straight to that file, as
	 * it would to a log shipper, instead of through this process.
	 */
	function start(name, script, args, env, { stdoutFile } = {}) {
		const out = stdoutFile === undefined ? "pipe" : openSync(stdoutFile, "w");
		const child = spawn(process.execPath, [script, ...args], {
			env: { ...process.env, ...env },
			stdio: ["ignore", out, "pipe"],
		});
		if (typeof out === "number") closeSync(out);
		child.name = name;
		child.stdoutText = "";
		child.stderrText = "";
		child.stdout?.on("data", (chunk) => {
			child.stdoutText += chunk;
		});
		child.stderr.on("data", (chunk) => {
			child.stderrText += chunk;
		});
		running.add(child);
		child.once("exit", () => running.delete(child));
		return child;
	}

	/** Asks a child to stop (SIGTERM, so Basalt closes its database) and waits. */
	async function stop(child) {
		if (child.exitCode !== null || child.signalCode !== null) return;
		const exited = once(child, "exit");
		child.kill("SIGTERM");
		const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
		await exited;
		clearTimeout(timer);
	}

	/** Stops every child still running, so the parent's event loop can end. */
	async function stopAll() {
		await Promise.all([...running].map(stop));
	}

	/** Kills whatever still runs; synchronous, so it also works in an `exit` handler. */
	function killAll() {
		for (const child of running) child.kill("SIGKILL");
	}

	return { start, stop, stopAll, killAll };
}

/** Resolves with the stdout of a child once it exits with 0, else rejects with its stderr. */
export async function outputOf(child) {
	const [code] = await once(child, "exit");
	if (code !== 0)
		throw new Error(`${child.name} exited with ${code}: ${child.stderrText}`);
	return child.stdoutText;
}

/** Finds a free loopback port by letting the OS pick one. */
export async function freePort() {
	const server = createServer();
	server.listen(0, "127.0.0.1");
	await once(server, "listening");
	const { port } = server.address();
	server.close();
	await once(server, "close");
	return port;
}

/**
 * Polls `GET <url>/health/ready` until it answers 200; fails fast if the child dies.
 * `get` sends the GET and resolves with `{ status }`: `fetch` unless the server needs
 * another client (HTTPS with a certificate only a given CA trusts, say).
 */
export async function waitReady(baseUrl, child, get = fetch) {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`${child.name} exited early: ${child.stderrText}`);
		try {
			const response = await get(`${baseUrl}/health/ready`);
			if (response.status === 200) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${child.name} was not ready after ${READY_TIMEOUT_MS} ms`);
}

/**
 * Runs one benchmark: `main(children, workDir)` with a registry of child processes
 * and a temp dir, both cleaned up on every exit (success, error, Ctrl-C), so no
 * server keeps its port. `onExit` stops anything else the benchmark started.
 */
export async function runBenchmark(name, main, onExit = {}) {
	const children = createChildProcesses();
	const workDir = mkdtempSync(path.join(tmpdir(), `basalt-bench-${name}-`));
	process.on("exit", () => {
		children.killAll();
		onExit.kill?.();
		rmSync(workDir, { recursive: true, force: true });
	});
	for (const signal of ["SIGINT", "SIGTERM"])
		process.on(signal, () => process.exit(130));
	try {
		await main(children, workDir);
	} catch (err) {
		console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
		process.exitCode = 1;
	} finally {
		await children.stopAll();
		await onExit.stop?.();
	}
}
