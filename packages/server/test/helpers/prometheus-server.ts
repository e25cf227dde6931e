import {
	type ChildProcess,
	execFileSync,
	spawn,
	spawnSync,
} from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./free-port.js";

/** The Prometheus binaries (Debian package `prometheus`). */
export interface PrometheusTools {
	prometheus: string;
	promtool: string;
}

/** Finds `prometheus` and `promtool` on the PATH, or undefined if either is missing. */
export function findPrometheusTools(): PrometheusTools | undefined {
	const find = (name: string) => {
		try {
			return execFileSync("sh", ["-c", `command -v ${name}`], {
				encoding: "utf8",
			}).trim();
		} catch {
			return undefined;
		}
	};
	const prometheus = find("prometheus");
	const promtool = find("promtool");
	return prometheus && promtool ? { prometheus, promtool } : undefined;
}

/**
 * Tells whether the Prometheus suites may be skipped: only outside CI. Under
 * CI=true a missing binary fails them (requirePrometheusTools throws), as .ci/run
 * installs it.
 */
export function maySkipPrometheus(): boolean {
	const missing = findPrometheusTools() === undefined;
	if (missing && process.env.CI !== "true")
		console.warn(
			"prometheus/promtool not found: skipping the Prometheus suites (apt-get install prometheus)",
		);
	return missing && process.env.CI !== "true";
}

/** The Prometheus binaries, or an error naming the package to install. */
export function requirePrometheusTools(): PrometheusTools {
	const tools = findPrometheusTools();
	if (!tools)
		throw new Error(
			"prometheus and promtool are required (Debian package `prometheus`); .ci/run installs it",
		);
	return tools;
}

/** Runs promtool; returns its output, or throws with it when it fails. */
export function runPromtool(args: string[]): string {
	const { promtool } = requirePrometheusTools();
	try {
		return execFileSync(promtool, args, { encoding: "utf8", stdio: "pipe" });
	} catch (err: unknown) {
		const failed = err as { stdout?: string; stderr?: string };
		throw new Error(
			`promtool ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`,
		);
	}
}

/**
 * Runs `promtool check metrics` (Prometheus's own parser and naming linter) on a
 * scrape; returns its findings, one per line (it exits non-zero when it has any).
 */
export function lintMetrics(text: string): string[] {
	const { promtool } = requirePrometheusTools();
	const result = spawnSync(promtool, ["check", "metrics"], {
		input: text,
		encoding: "utf8",
	});
	if (result.error) throw result.error;
	return `${result.stdout}${result.stderr}`
		.split("\n")
		.map((line) => line.trim())
		.filter((line) => line !== "");
}

/** A Prometheus server on a loopback port with its own storage. */
export interface PrometheusServer {
	url: string;
	/** Runs an instant query; returns the result vector. */
	query(
		promql: string,
	): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
	output(): string;
	stop(): Promise<void>;
}

/**
 * Starts a real Prometheus scraping `targets` (host:port) every second, with the
 * given extra scrape settings (YAML lines of the scrape config), and waits until it
 * is ready.
 */
export async function startPrometheus(options: {
	targets: string[];
	scrapeConfig?: string;
}): Promise<PrometheusServer> {
	const { prometheus } = requirePrometheusTools();
	const dir = mkdtempSync(path.join(tmpdir(), "basalt-prometheus-"));
	const configFile = path.join(dir, "prometheus.yml");
	writeFileSync(
		configFile,
		[
			"global:",
			"  scrape_interval: 1s",
			"  evaluation_interval: 1s",
			"scrape_configs:",
			"  - job_name: basalt",
			"    scrape_interval: 1s",
			...(options.scrapeConfig ? [options.scrapeConfig] : []),
			"    static_configs:",
			`      - targets: [${options.targets.map((t) => `"${t}"`).join(", ")}]`,
			"",
		].join("\n"),
	);
	const port = await freePort();
	const child: ChildProcess = spawn(
		prometheus,
		[
			`--config.file=${configFile}`,
			`--storage.tsdb.path=${path.join(dir, "data")}`,
			`--web.listen-address=127.0.0.1:${port}`,
		],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += chunk;
	});
	child.stderr?.on("data", (chunk) => {
		output += chunk;
	});
	const url = `http://127.0.0.1:${port}`;
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise((resolve) => child.once("exit", resolve));
			child.kill("SIGTERM");
			await exited;
		}
		rmSync(dir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`prometheus exited early:\n${output}`);
		try {
			if ((await fetch(`${url}/-/ready`)).status === 200) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`prometheus did not become ready:\n${output}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	return {
		url,
		output: () => output,
		stop,
		async query(promql) {
			const response = await fetch(
				`${url}/api/v1/query?query=${encodeURIComponent(promql)}`,
			);
			const body = (await response.json()) as {
				status: string;
				data?: {
					result: { metric: Record<string, string>; value: [number, string] }[];
				};
				error?: string;
			};
			if (body.status !== "success")
				throw new Error(`query ${promql} failed: ${body.error}`);
			return body.data?.result ?? [];
		},
	};
}
