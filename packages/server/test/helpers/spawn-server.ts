import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port.js";

/** The server package's root folder. */
export const packageRoot = path.resolve(import.meta.dirname, "../..");
/** The repository root (npm workspaces). */
export const repoRoot = path.resolve(packageRoot, "../..");

/** A `basalt serve` child process on a loopback port with its own data dir. */
export interface ServerProcess {
	port: number;
	url: string;
	dataDir: string;
	env: Record<string, string>;
	output(): string;
	/** Kills the process at once (SIGKILL), keeping its data dir, as a crash would. */
	kill(): void;
	/** Sends SIGTERM, waits for the exit and returns the exit code. */
	stop(): Promise<number | null>;
	/** Sends a signal (SIGHUP: reload the TLS certificate). */
	signal(name: NodeJS.Signals): void;
}

/** How to reach a server that serves HTTPS: the CA that signed its certificate. */
export interface HttpsClientOptions {
	ca: Buffer;
}

/** Builds dist/ if the sources changed (the same script `npm start` runs). */
export function buildServer(): void {
	execFileSync(
		process.execPath,
		[path.join(packageRoot, "scripts/build-if-needed.mjs")],
		{ stdio: "inherit" },
	);
}

/** Starts the built CLI's `serve` and waits until /health/ready answers 200. */
export async function startServerProcess(
	extraEnv: Record<string, string> = {},
	https?: HttpsClientOptions,
): Promise<ServerProcess> {
	const port = await freePort();
	const dataDir = mkdtempSync(path.join(tmpdir(), "basalt-proc-"));
	const env = {
		BASALT_PORT: String(port),
		BASALT_DATA_DIR: dataDir,
		BASALT_LOG_LEVEL: "warn",
		// Tests stop servers with SIGTERM; only the shutdown test waits for balancers.
		BASALT_SHUTDOWN_DELAY_MS: "0",
		...extraEnv,
	};
	const child: ChildProcess = spawn(
		process.execPath,
		[path.join(packageRoot, "dist/cli/main.js"), "serve"],
		{
			cwd: repoRoot,
			env: { ...process.env, ...env },
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += chunk;
	});
	child.stderr?.on("data", (chunk) => {
		output += chunk;
	});
	const url = `${https ? "https" : "http"}://127.0.0.1:${port}`;
	await waitForReady(url, child, () => output, https);
	return {
		port,
		url,
		dataDir,
		env,
		output: () => output,
		kill() {
			child.kill("SIGKILL");
		},
		signal(name) {
			child.kill(name);
		},
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				const exited = new Promise((resolve) => child.once("exit", resolve));
				child.kill("SIGTERM");
				await exited;
			}
			rmSync(dataDir, { recursive: true, force: true });
			return child.exitCode;
		},
	};
}

/**
 * Signs a superuser in to a running server (`url` is its base URL) and returns the
 * access token; throws when the sign-in is not a 200.
 */
export async function signInSuperuser(
	url: string,
	credentials: { identity: string; password: string },
): Promise<string> {
	const login = await fetch(`${url}/api/v1/superusers/auth/password`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify(credentials),
	});
	if (login.status !== 200)
		throw new Error(
			`signing in as ${credentials.identity}: ${login.status} ${await login.text()}`,
		);
	return ((await login.json()) as { token: string }).token;
}

/** The status of GET `url`, over HTTPS with `https.ca` when given. */
function statusOf(url: string, https?: HttpsClientOptions): Promise<number> {
	if (!https) return fetch(url).then((response) => response.status);
	return new Promise((resolve, reject) => {
		httpsGet(url, { ca: https.ca, servername: "localhost" }, (res) => {
			res.resume();
			resolve(res.statusCode ?? 0);
		}).on("error", reject);
	});
}

async function waitForReady(
	url: string,
	child: ChildProcess,
	output: () => string,
	https?: HttpsClientOptions,
): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null)
			throw new Error(`basalt serve exited early:\n${output()}`);
		try {
			if ((await statusOf(`${url}/health/ready`, https)) === 200) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	child.kill("SIGKILL");
	throw new Error(`basalt serve did not become ready:\n${output()}`);
}
