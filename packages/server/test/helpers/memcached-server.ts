import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.js";

/** A throwaway Memcached on a loopback port. */
export interface MemcachedServer {
	/** `127.0.0.1:<port>`, as MEMCACHED_SERVERS lists it. */
	address: string;
	port: number;
	stop(): Promise<void>;
}

/**
 * Finds memcached. Without it the Memcached suites are skipped locally, and under
 * CI=true this throws instead (a skipped integration suite is a failure), as
 * redis-server.ts does for Redis.
 */
export function findMemcached(): string | undefined {
	const bin = locate();
	if (!bin && process.env.CI === "true")
		throw new Error("memcached not found: CI must run the Memcached suites");
	return bin;
}

function locate(): string | undefined {
	if (existsSync("/usr/bin/memcached")) return "/usr/bin/memcached";
	try {
		const found = execFileSync("sh", ["-c", "command -v memcached"], {
			encoding: "utf8",
		}).trim();
		return found || undefined;
	} catch {
		return undefined;
	}
}

/**
 * Starts memcached as a child process (TCP on loopback only, no UDP, 64 MB) and
 * waits until it accepts a connection; on `port` when given (a restart where a
 * stopped one listened). Runs as `nobody` when started by root, which memcached
 * requires.
 */
export async function startMemcached(
	bin: string,
	port?: number,
): Promise<MemcachedServer> {
	port ??= await freePort();
	const args = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64"];
	if (process.getuid?.() === 0) args.push("-u", "nobody");
	const child = spawn(bin, args, { stdio: "ignore" });
	try {
		await waitForListen(port, child);
	} catch (err: unknown) {
		child.kill("SIGKILL");
		throw err;
	}
	return {
		address: `127.0.0.1:${port}`,
		port,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.once("exit", resolve));
			child.kill("SIGTERM");
			await exited;
		},
	};
}

async function waitForListen(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`memcached exited with code ${child.exitCode}`);
		const open = await new Promise<boolean>((resolve) => {
			const socket = connect(port, "127.0.0.1");
			socket.once("connect", () => {
				socket.destroy();
				resolve(true);
			});
			socket.once("error", () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline)
			throw new Error(`memcached did not listen on ${port}`);
		await sleep(50);
	}
}
