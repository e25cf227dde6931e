import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";

/** A throwaway Redis on a loopback port, nothing persisted. */
export interface RedisServer {
	url: string;
	stop(): Promise<void>;
}

/** Finds redis-server; see findBinary. */
export function findRedisServer(): string | undefined {
	return findBinary("redis-server", "Redis");
}

/**
 * Starts redis-server as a child process and waits until it answers PING; on `port`
 * when given (a restart where a stopped one listened).
 */
export async function startRedis(
	bin: string,
	port?: number,
): Promise<RedisServer> {
	port ??= await freePort();
	const child = spawn(
		bin,
		[
			"--bind",
			"127.0.0.1",
			"--port",
			String(port),
			"--save",
			"",
			"--appendonly",
			"no",
			"--daemonize",
			"no",
		],
		{ stdio: "ignore" },
	);
	const url = `redis://127.0.0.1:${port}`;
	try {
		await waitForPong(url, child);
	} catch (err: unknown) {
		child.kill("SIGKILL");
		throw err;
	}
	return {
		url,
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise((resolve) => child.once("exit", resolve));
			child.kill("SIGTERM");
			await exited;
		},
	};
}

async function waitForPong(url: string, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`redis-server exited with code ${child.exitCode}`);
		const client = new Redis(url, {
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			retryStrategy: () => null,
		});
		client.on("error", () => {});
		try {
			await client.connect();
			if ((await client.ping()) === "PONG") return;
		} catch {
			if (Date.now() > deadline)
				throw new Error(`redis-server did not answer on ${url}`);
			await sleep(50);
		} finally {
			client.disconnect();
		}
	}
}
