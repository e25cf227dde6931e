import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";

/** A Caddy load balancer on a loopback port. */
export interface CaddyServer {
	url: string;
	stop(): Promise<void>;
}

/** Finds caddy; see findBinary. */
export function findCaddy(): string | undefined {
	return findBinary("caddy", "load-balancer");
}

/** Runs `caddy validate` on a Caddyfile with the given environment; throws its output. */
export function validateCaddyfile(
	bin: string,
	file: string,
	env: Record<string, string>,
): void {
	try {
		execFileSync(
			bin,
			["validate", "--adapter", "caddyfile", "--config", file],
			{
				env: { ...process.env, ...env },
				stdio: "pipe",
				encoding: "utf8",
			},
		);
	} catch (err: unknown) {
		const failed = err as { stdout?: string; stderr?: string };
		throw new Error(`caddy validate failed:\n${failed.stdout}${failed.stderr}`);
	}
}

/** Starts Caddy on `file` in front of `upstreams` (`host:port` each). */
export async function startCaddy(
	bin: string,
	file: string,
	upstreams: string[],
): Promise<CaddyServer> {
	const port = await freePort();
	const child: ChildProcess = spawn(
		bin,
		["run", "--adapter", "caddyfile", "--config", file],
		{
			env: {
				...process.env,
				LISTEN: `127.0.0.1:${port}`,
				BASALT_UPSTREAMS: upstreams.join(" "),
				// Caddy keeps its state under XDG dirs; none is wanted from a test.
				XDG_DATA_HOME: "/tmp/basalt-caddy-data",
				XDG_CONFIG_HOME: "/tmp/basalt-caddy-config",
			},
			stdio: "ignore",
		},
	);
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 15_000;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`caddy exited with code ${child.exitCode}`);
		try {
			const res = await fetch(`${url}/health/live`);
			if (res.status === 200) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			child.kill("SIGKILL");
			throw new Error("caddy did not start");
		}
		await sleep(100);
	}
	return {
		url,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const exited = new Promise((resolve) => child.once("exit", resolve));
			child.kill("SIGTERM");
			await exited;
		},
	};
}
