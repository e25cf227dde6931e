import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";

/** A throwaway Memcached on a loopback port. */
export interface MemcachedServer {
	/** `127.0.0.1:<port>`, as MEMCACHED_SERVERS lists it. */
	address: string;
	port: number;
	stop(): Promise<void>;
}

/** Finds memcached; see findBinary. */
export function findMemcached(): string | undefined {
	return findBinary("memcached", "Memcached");
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
