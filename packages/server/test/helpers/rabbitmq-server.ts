import { type ChildProcess, spawn } from "node:child_process";
import {
	existsSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "amqplib";
import { findBinary } from "./find-binary.js";
import { freePort } from "./free-port.js";

/** A throwaway RabbitMQ node on loopback ports, with its own epmd and folders. */
export interface RabbitmqServer {
	/** amqp://guest:guest@127.0.0.1:port, or amqps://guest:guest@localhost:port with TLS. */
	url: string;
	/** Stops the node and keeps its data, so `start` brings back its durable queues. */
	kill(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
	/** Starts the node again on the same port and data (after `kill`). */
	start(): Promise<void>;
	/** Stops the node and its epmd and removes its folders. */
	stop(): Promise<void>;
}

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/** PEM files of a RabbitMQ that speaks TLS only (no plain AMQP listener). */
export interface RabbitmqTlsFiles {
	certFile: string;
	keyFile: string;
	/** The CA that signed certFile: the helper trusts it to see the node answer. */
	caFile: string;
}

/**
 * Finds Debian's rabbitmq-server (its script lives outside PATH) and epmd; see
 * findBinary for what happens when they are missing.
 */
export function findRabbitmqServer(): string | undefined {
	const epmd = findBinary("epmd", "RabbitMQ");
	if (existsSync(SERVER) && epmd) return SERVER;
	if (process.env.CI === "true")
		throw new Error(
			"rabbitmq-server not found: CI must run the RabbitMQ suites",
		);
	return undefined;
}

/**
 * Starts a private RabbitMQ node (docs/jobs.md#rabbitmq names the Debian package):
 * AMQP, Erlang distribution and epmd all on free loopback ports, mnesia and logs in a
 * temporary folder, no plugins. Resolves once an AMQP connection opens (5-10 s).
 */
export async function startRabbitmq(
	server: string,
	tls?: RabbitmqTlsFiles,
): Promise<RabbitmqServer> {
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-rabbitmq-"));
	const [port, distPort, epmdPort] = [
		await freePort(),
		await freePort(),
		await freePort(),
	];
	writeFileSync(path.join(dir, "enabled_plugins"), "[].\n");
	// rabbitmq.conf (RABBITMQ_CONFIG_FILE names it without its extension).
	writeFileSync(
		path.join(dir, "rabbitmq.conf"),
		tls
			? [
					"listeners.tcp = none",
					`listeners.ssl.default = 127.0.0.1:${port}`,
					`ssl_options.cacertfile = ${tls.caFile}`,
					`ssl_options.certfile = ${tls.certFile}`,
					`ssl_options.keyfile = ${tls.keyFile}`,
					"ssl_options.verify = verify_none",
					"ssl_options.fail_if_no_peer_cert = false",
					"",
				].join("\n")
			: "",
	);
	const env = {
		...process.env,
		HOME: dir,
		RABBITMQ_NODENAME: `basalt${port}@localhost`,
		RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
		RABBITMQ_LOG_BASE: path.join(dir, "log"),
		RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
		RABBITMQ_NODE_PORT: String(port),
		RABBITMQ_DIST_PORT: String(distPort),
		ERL_EPMD_PORT: String(epmdPort),
		ERL_EPMD_ADDRESS: "127.0.0.1",
		RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
		RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq"),
		RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:
			"-kernel inet_dist_use_interface {127,0,0,1}",
	};
	const epmd = spawn(
		"epmd",
		["-port", String(epmdPort), "-address", "127.0.0.1"],
		{ env, stdio: "ignore", detached: true },
	);
	const url = tls
		? `amqps://guest:guest@localhost:${port}`
		: `amqp://guest:guest@127.0.0.1:${port}`;
	const ca = tls ? readFileSync(tls.caFile) : undefined;
	let node: ChildProcess | undefined;

	const kill = async (signal: "SIGTERM" | "SIGKILL" = "SIGTERM") => {
		const running = node;
		node = undefined;
		if (!running || running.exitCode !== null) return;
		const exited = new Promise((resolve) => running.once("exit", resolve));
		// The script's group: the shell, beam.smp and its helpers.
		killGroup(running, signal);
		await exited;
	};
	const start = async () => {
		node = spawn(server, [], { env, stdio: "ignore", detached: true });
		await waitForAmqp(url, node, ca);
	};
	try {
		await start();
	} catch (err: unknown) {
		await kill("SIGKILL");
		killGroup(epmd, "SIGKILL");
		throw err;
	}
	return {
		url,
		kill,
		start,
		async stop() {
			await kill("SIGKILL");
			killGroup(epmd, "SIGKILL");
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
	try {
		if (child.pid) process.kill(-child.pid, signal);
	} catch {
		// Already gone.
	}
}

async function waitForAmqp(
	url: string,
	node: ChildProcess,
	ca: Buffer | undefined,
): Promise<void> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (node.exitCode !== null)
			throw new Error(`rabbitmq-server exited with code ${node.exitCode}`);
		try {
			const connection = await connect(url, ca ? { ca: [ca] } : {});
			await connection.close();
			return;
		} catch {
			if (Date.now() > deadline)
				throw new Error(`RabbitMQ did not answer on ${url}`);
			await sleep(100);
		}
	}
}
