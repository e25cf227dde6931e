import {
	copyFileSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../src/core/config/index.js";
import { findCaddy, validateCaddyfile } from "../helpers/caddy-server.js";
import {
	maySkipPrometheus,
	runPromtool,
} from "../helpers/prometheus-server.js";
import { repoRoot } from "../helpers/spawn-server.js";

const deployDir = path.join(repoRoot, "deploy");
const caddyBin = findCaddy();

interface Service {
	command?: string[];
	environment?: Record<string, string>;
	volumes?: string[];
}

/** deploy/compose.yaml with its anchors and merge keys resolved. */
function compose(): { services: Record<string, Service> } {
	return parseYaml(readFileSync(path.join(deployDir, "compose.yaml"), "utf8"), {
		merge: true,
	});
}

// The scale-out topology of docs/scale-out.md. No container engine runs here, so the
// compose file is checked for what Basalt needs of it, and the parts it configures
// (Caddy, Prometheus) are checked with their own tools.
describe("deploy/compose.yaml", () => {
	const { services } = compose();
	const serveNodes = Object.keys(services).filter((name) =>
		services[name]?.command?.includes("serve"),
	);
	const basaltProcesses = Object.keys(services).filter(
		(name) => name === "worker" || serveNodes.includes(name),
	);

	it("has two or more serve nodes, a worker, the stores, the load balancer and monitoring", () => {
		expect(serveNodes.length).toBeGreaterThanOrEqual(2);
		for (const name of [
			"worker",
			"caddy",
			"postgres",
			"redis",
			"memcached",
			"prometheus",
			"grafana",
		])
			expect(services, name).toHaveProperty(name);
		expect(services.worker?.command).toEqual(["worker"]);
	});

	it("gives every Basalt process a configuration Basalt accepts, the same shared parts and one master key", () => {
		const envs = basaltProcesses.map((name) => {
			const env = services[name]?.environment ?? {};
			// Values from the host's environment, as compose would fill them in.
			const samples: Record<string, string> = {
				BASALT_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
				BASALT_SUPERUSER_EMAIL: "you@example.com",
			};
			const filled = Object.fromEntries(
				Object.entries(env).map(([key, value]) => [
					key,
					String(value).replace(
						/\$\{([A-Z_]+)[^}]*\}/g,
						(_, name: string) => samples[name] ?? "filled-in",
					),
				]),
			);
			const config = parseConfig(filled, { cwd: "/app", stdoutIsTty: false });
			return { name, env, config };
		});
		for (const { name, env, config } of envs) {
			expect(config.db.target.kind, name).toBe("postgres");
			expect(config.redis?.url, name).toBe("redis://redis:6379");
			expect(config.jobs.driver, name).toBe("bullmq");
			expect(config.cache.store, name).toBe("memcached");
			expect(env.BASALT_MASTER_KEY, name).toBe(envs[0]?.env.BASALT_MASTER_KEY);
			expect(services[name]?.volumes, name).toContain("basalt-data:/data");
		}
		for (const name of serveNodes)
			expect(services[name]?.environment?.BASALT_SERVE_WORKERS, name).toBe(
				"false",
			);
	});

	it("keeps BullMQ's Redis persistent and never evicting", () => {
		const command = services.redis?.command?.join(" ") ?? "";
		expect(command).toContain("--appendonly yes");
		expect(command).toContain("--maxmemory-policy noeviction");
	});

	it("balances over every serve node, and Prometheus scrapes each of them", () => {
		const upstreams = (
			services.caddy?.environment?.BASALT_UPSTREAMS ?? ""
		).split(" ");
		expect(upstreams?.sort()).toEqual(
			serveNodes.map((n) => `${n}:8090`).sort(),
		);
		const prometheus = parseYaml(
			readFileSync(
				path.join(deployDir, "prometheus/compose-prometheus.yml"),
				"utf8",
			),
		) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
		const targets = prometheus.scrape_configs.flatMap((c) =>
			c.static_configs.flatMap((s) => s.targets),
		);
		expect(targets.sort()).toEqual(serveNodes.map((n) => `${n}:8090`).sort());
	});

	(caddyBin ? it : it.skip)(
		"has a Caddyfile that Caddy accepts, with active health checks on /health/ready",
		() => {
			const file = path.join(deployDir, "caddy/Caddyfile");
			expect(readFileSync(file, "utf8")).toMatch(/health_uri \/health\/ready/);
			validateCaddyfile(caddyBin as string, file, {
				LISTEN: ":80",
				BASALT_UPSTREAMS: services.caddy?.environment?.BASALT_UPSTREAMS ?? "",
			});
		},
	);

	(maySkipPrometheus() ? it.skip : it)(
		"has a Prometheus configuration that promtool accepts",
		() => {
			const dir = mkdtempSync(path.join(tmpdir(), "basalt-compose-prom-"));
			try {
				const config = readFileSync(
					path.join(deployDir, "prometheus/compose-prometheus.yml"),
					"utf8",
				).replace(
					"/etc/prometheus/basalt-metrics-token",
					path.join(dir, "token"),
				);
				writeFileSync(path.join(dir, "prometheus.yml"), config);
				writeFileSync(path.join(dir, "token"), "a-token");
				copyFileSync(
					path.join(deployDir, "prometheus/alerts.yml"),
					path.join(dir, "alerts.yml"),
				);
				expect(
					runPromtool(["check", "config", path.join(dir, "prometheus.yml")]),
				).toMatch(/SUCCESS/);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		},
	);
});
