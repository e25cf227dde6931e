import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "amqplib";
import { freePort } from "./child-processes.mjs";

const READY_TIMEOUT_MS = 60_000;

/**
 * Kills a detached child's process group: the script, beam.smp and its helpers, which
 * may outlive the script itself.
 */
function killGroup(child, signal) {
	try {
		if (child.pid) process.kill(-child.pid, signal);
	} catch {
		// Already gone.
	}
}

/** The path of a command on PATH, or "". */
function onPath(name) {
	try {
		return execFileSync("sh", ["-c", `command -v ${name}`], {
			encoding: "utf8",
		}).trim();
	} catch {
		return "";
	}
}

/** Opens and closes an AMQP connection until one opens; fails fast if the node exits. */
async function waitForAmqp(url, node) {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	for (;;) {
		if (node.exitCode !== null || node.signalCode !== null)
			throw new Error(
				`rabbitmq-server exited with ${node.exitCode ?? node.signalCode}`,
			);
		try {
			const connection = await connect(url);
			await connection.close();
			return;
		} catch {
			if (Date.now() > deadline)
				throw new Error(`RabbitMQ did not answer on ${url}`);
			await sleep(100);
		}
	}
}

/**
 * Starts a throwaway RabbitMQ node (the recipe of
 * packages/server/test/helpers/rabbitmq-server.ts): AMQP, Erlang distribution and its
 * own epmd on free loopback ports, mnesia, logs and the Erlang cookie in a temp dir,
 * no plugins. Resolves once amqplib connects (5-15 s). Both the node and epmd run in
 * their own process group, so a Ctrl-C in the terminal does not reach them: `kill()`
 * takes down each whole group, and is synchronous, so an `exit` handler can use it.
 * Until `stop()`, this process's own exit kills them too, even one that comes (a
 * Ctrl-C) while the node is still starting and the caller has no handle on it yet.
 */
export async function startRabbitmqServer(bin) {
	// Without its own epmd the node would start a daemonised one that outlives the run.
	if (!existsSync(bin) || !onPath("epmd"))
		throw new Error(
			`RabbitMQ not found: ${bin} and epmd (Debian's rabbitmq-server package) are needed`,
		);
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-bench-rabbitmq-"));
	const [port, distPort, epmdPort] = [
		await freePort(),
		await freePort(),
		await freePort(),
	];
	writeFileSync(path.join(dir, "enabled_plugins"), "[].\n");
	const env = {
		...process.env,
		HOME: dir,
		RABBITMQ_NODENAME: `basaltbench${port}@localhost`,
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
	epmd.on("error", () => {});
	const node = spawn(bin, [], { env, stdio: "ignore", detached: true });
	const url = `amqp://guest:guest@127.0.0.1:${port}`;
	const server = {
		url,
		/**
		 * Deletes these queues (with their messages), so each scenario starts from
		 * empty ones; deleting a queue that does not exist is no error in RabbitMQ.
		 */
		async deleteQueues(names) {
			const connection = await connect(url);
			try {
				const channel = await connection.createChannel();
				for (const name of names) await channel.deleteQueue(name);
				await channel.close();
			} finally {
				await connection.close();
			}
		},
		kill() {
			process.off("exit", server.kill);
			killGroup(node, "SIGKILL");
			killGroup(epmd, "SIGKILL");
			rmSync(dir, { recursive: true, force: true });
		},
		/** Kills the node (it is throwaway: nothing to flush) and waits for it to go. */
		async stop() {
			process.off("exit", server.kill);
			const exited =
				node.exitCode === null && node.signalCode === null
					? once(node, "exit")
					: undefined;
			killGroup(node, "SIGKILL");
			await exited;
			killGroup(epmd, "SIGKILL");
			rmSync(dir, { recursive: true, force: true });
		},
	};
	node.on("error", () => {});
	process.on("exit", server.kill);
	try {
		await waitForAmqp(url, node);
	} catch (err) {
		server.kill();
		throw err;
	}
	return server;
}
