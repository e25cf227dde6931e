import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";

/** A throwaway Redis on a loopback port, nothing persisted. */
export interface RedisServer {
	/** redis://127.0.0.1:port, or rediss://localhost:port with TLS. */
	url: string;
	stop(): Promise<void>;
}

/** PEM files of a Redis that speaks TLS only (its plain port closed). */
export interface RedisTlsFiles {
	certFile: string;
	keyFile: string;
	/** The CA that signed certFile: the helper trusts it to see the server answer. */
	caFile: string;
}

/** Finds redis-server; see findBinary. */
export function findRedisServer(): string | undefined {
	return findBinary("redis-server", "Redis");
}

/**
 * Starts redis-server as a child process and waits until it answers PING; on `port`
 * when given (a restart where a stopped one listened). With `tls` it listens with TLS
 * only (`--tls-port`, plain `--port 0`) and asks clients for no certificate.
 */
export async function startRedis(
	bin: string,
	port?: number,
	tls?: RedisTlsFiles,
): Promise<RedisServer> {
	port ??= await freePort();
	const listen = tls
		? [
				...["--port", "0", "--tls-port", String(port)],
				...["--tls-cert-file", tls.certFile, "--tls-key-file", tls.keyFile],
				...["--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no"],
			]
		: ["--port", String(port)];
	const child = spawn(
		bin,
		[
			"--bind",
			"127.0.0.1",
			...listen,
			"--save",
			"",
			"--appendonly",
			"no",
			"--daemonize",
			"no",
		],
		{ stdio: "ignore" },
	);
	const url = tls ? `rediss://localhost:${port}` : `redis://127.0.0.1:${port}`;
	try {
		await waitForPong(url, child, tls && { ca: readFileSync(tls.caFile) });
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

async function waitForPong(
	url: string,
	child: ChildProcess,
	tls: { ca: Buffer } | undefined,
): Promise<void> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`redis-server exited with code ${child.exitCode}`);
		const client = new Redis(url, {
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			retryStrategy: () => null,
			...(tls ? { tls } : {}),
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
