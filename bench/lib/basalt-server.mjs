// `basalt serve` as the benchmarks start it: the built CLI, one superuser to create
// the collections with, and no shutdown delay, so a stopped server frees its port at once.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitReady } from "./child-processes.mjs";

/** The CLI `npm run build` writes; every `bench*` npm script builds it first. */
export const BASALT_MAIN = path.resolve(
	path.dirname(fileURLToPath(import.meta.url)),
	"../../packages/server/dist/cli/main.js",
);

/** The superuser every benchmark's Basalt starts with. */
export const SUPERUSER = {
	email: "bench@example.com",
	password: "bench-password-1",
};

/** A production node's logging, so both sides pay the same per-request costs. */
export const QUIET = {
	BASALT_LOG_LEVEL: "warn",
	BASALT_REQUEST_LOG_SAMPLE: "0",
};

/**
 * Starts `basalt serve` on `dataDir` with SUPERUSER, `env` on top, on `port` (a free
 * one when left out), and waits until it is ready. With `BASALT_TLS_CERT` in `env`
 * the URL is https, and `get` must probe it with a client that trusts the
 * certificate (waitReady). `stdoutFile` takes its log lines (children.start).
 */
export async function startBasalt(
	children,
	dataDir,
	env = {},
	{ port, stdoutFile, get } = {},
) {
	const listenPort = port ?? (await freePort());
	const child = children.start(
		"basalt",
		BASALT_MAIN,
		["serve"],
		{
			BASALT_DATA_DIR: dataDir,
			BASALT_PORT: String(listenPort),
			BASALT_SHUTDOWN_DELAY_MS: "0",
			BASALT_SUPERUSER_EMAIL: SUPERUSER.email,
			BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
			...env,
		},
		{ stdoutFile },
	);
	const scheme = env.BASALT_TLS_CERT === undefined ? "http" : "https";
	const url = `${scheme}://127.0.0.1:${listenPort}`;
	await waitReady(url, child, get);
	return { child, url };
}
