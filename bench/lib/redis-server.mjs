import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";

const READY_TIMEOUT_MS = 10_000;

/** Sends one command on a short-lived connection that never retries. */
async function command(url, name) {
	const client = new Redis(url, {
		lazyConnect: true,
		maxRetriesPerRequest: 0,
		retryStrategy: () => null,
	});
	client.on("error", () => {});
	try {
		await client.connect();
		return await client.call(name);
	} finally {
		client.disconnect();
	}
}

/** Polls PING until the server answers; fails fast if it exits. */
async function waitForPong(url, child) {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`redis-server exited with code ${child.exitCode}`);
		try {
			if ((await command(url, "PING")) === "PONG") return;
		} catch {
			if (Date.now() > deadline)
				throw new Error(`redis-server did not answer on ${url}`);
			await sleep(50);
		}
	}
}

/**
 * Starts a throwaway redis-server on a loopback port with nothing persisted (the
 * recipe of packages/server/test/helpers/redis-server.ts). `kill()` is synchronous,
 * so an `exit` handler can use it.
 */
export async function startRedisServer(bin, port) {
	const child = spawn(
		bin,
		[
			...["--bind", "127.0.0.1", "--port", String(port)],
			...["--save", "", "--appendonly", "no", "--daemonize", "no"],
		],
		{ stdio: "ignore" },
	);
	const url = `redis://127.0.0.1:${port}`;
	const server = {
		url,
		/** Empties it, so each scenario starts from the same state. */
		flush: () => command(url, "FLUSHALL"),
		kill() {
			if (child.exitCode === null && child.signalCode === null)
				child.kill("SIGKILL");
		},
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.once("exit", resolve));
			child.kill("SIGTERM");
			await exited;
		},
	};
	try {
		await waitForPong(url, child);
	} catch (err) {
		server.kill();
		throw err;
	}
	return server;
}
