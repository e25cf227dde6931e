import {
	copyFileSync,
	mkdtempSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { eventually } from "../core/jobs/queue-contract.js";
import { describeEachDialect } from "../helpers/each-dialect.js";
import {
	lintMetrics,
	maySkipPrometheus,
	type PrometheusServer,
	runPromtool,
	startPrometheus,
} from "../helpers/prometheus-server.js";
import { scrapeMetrics } from "../helpers/scrape-metrics.js";
import { repoRoot } from "../helpers/spawn-server.js";

const deployDir = path.join(repoRoot, "deploy");
const alertsFile = path.join(deployDir, "prometheus/alerts.yml");
const configFile = path.join(deployDir, "prometheus/prometheus.yml");
const dashboardFile = path.join(deployDir, "grafana/basalt-dashboard.json");
/** Locally without Prometheus these suites skip; under CI=true they fail instead. */
const skip = maySkipPrometheus();

/** Every PromQL expression of the alert rules. */
function alertExpressions(): string[] {
	const rules = parseYaml(readFileSync(alertsFile, "utf8")) as {
		groups: { rules: { alert: string; expr: string }[] }[];
	};
	return rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

/** Every PromQL expression of the dashboard's panels. */
function dashboardExpressions(): string[] {
	const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8")) as {
		panels: { targets?: { expr: string }[] }[];
	};
	return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/**
 * The metric names a PromQL expression selects, read from its syntax tree (the
 * Prometheus project's own Lezer grammar). Grafana's variables are replaced by
 * values first; an expression that does not parse is an error.
 */
function metricNamesOf(expr: string): string[] {
	const promql = expr
		.replaceAll("$__rate_interval", "5m")
		.replaceAll("$instance", ".*");
	const tree = parser.parse(promql);
	const names: string[] = [];
	const cursor = tree.cursor();
	do {
		if (cursor.type.isError)
			throw new Error(`not PromQL at ${cursor.from}: ${promql}`);
		if (cursor.name === "VectorSelector") {
			const selector = cursor.node.getChild("Identifier");
			if (selector) names.push(promql.slice(selector.from, selector.to));
		}
	} while (cursor.next());
	return names;
}

describe.skipIf(skip)("deploy/prometheus", () => {
	it("has alert rules promtool accepts", () => {
		const out = runPromtool(["check", "rules", alertsFile]);
		expect(out).toMatch(/SUCCESS: \d+ rules found/);
	});

	it("has a scrape config promtool accepts, pointed at a test target", () => {
		const dir = mkdtempSync(path.join(tmpdir(), "basalt-promcfg-"));
		try {
			const config = readFileSync(configFile, "utf8");
			expect(config).toContain("127.0.0.1:8090");
			writeFileSync(
				path.join(dir, "prometheus.yml"),
				config.replace("127.0.0.1:8090", "127.0.0.1:18090"),
			);
			copyFileSync(alertsFile, path.join(dir, "alerts.yml"));
			const out = runPromtool([
				"check",
				"config",
				path.join(dir, "prometheus.yml"),
			]);
			expect(out).toContain("is valid prometheus config file syntax");
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it("reads metric names out of PromQL", () => {
		expect(
			metricNamesOf(
				'sum by (le) (rate(a_bucket{x="y"}[$__rate_interval])) / on() b + up',
			),
		).toEqual(["a_bucket", "b", "up"]);
		expect(() => metricNamesOf("sum(rate(a[5m])")).toThrow(/not PromQL/);
	});
});

describeEachDialect("deploy/ against the metrics Basalt exports", (t) => {
	let exported: Set<string>;
	beforeAll(async () => {
		const scrape = await scrapeMetrics(t());
		exported = new Set(["up"]);
		for (const [name, type] of scrape.types) {
			exported.add(name);
			if (type === "HISTOGRAM")
				for (const suffix of ["_bucket", "_sum", "_count"])
					exported.add(name + suffix);
			if (type === "SUMMARY")
				for (const suffix of ["_sum", "_count"]) exported.add(name + suffix);
		}
	});

	it("has a dashboard whose every expression names only exported metrics", () => {
		const expressions = dashboardExpressions();
		expect(expressions.length).toBeGreaterThan(20);
		const names = expressions.flatMap(metricNamesOf);
		expect(names.filter((n) => !exported.has(n))).toEqual([]);
		// The panels the operations guide promises.
		for (const name of [
			"basalt_http_requests_total",
			"basalt_http_request_duration_seconds_bucket",
			"basalt_http_requests_in_flight",
			"basalt_db_query_duration_seconds_bucket",
			"basalt_db_slow_queries_total",
			"basalt_cache_requests_total",
			"basalt_jobs_failed_total",
			"basalt_jobs_waiting",
			"basalt_jobs_oldest_waiting_age_seconds",
			"basalt_auth_logins_total",
			"basalt_rate_limited_total",
			"nodejs_eventloop_lag_p99_seconds",
			"process_resident_memory_bytes",
		])
			expect(names, name).toContain(name);
	});

	it.skipIf(skip)(
		"exports text promtool parses, with Basalt's names passing its linter",
		async () => {
			const res = await t().server.inject({ method: "GET", url: "/metrics" });
			const findings = lintMetrics(res.body);
			// prom-client's own nodejs_active_*_total gauges are the only findings.
			expect(findings.filter((line) => !line.startsWith("nodejs_"))).toEqual(
				[],
			);
		},
	);

	it("has alert rules whose every expression names only exported metrics", () => {
		const names = alertExpressions().flatMap(metricNamesOf);
		expect(names.length).toBeGreaterThan(5);
		expect(names.filter((n) => !exported.has(n))).toEqual([]);
	});
});

describeEachDialect("a real Prometheus scraping Basalt", (t) => {
	let prometheus: PrometheusServer | undefined;
	beforeAll(async () => {
		if (skip) return;
		await t().server.listen({ host: "127.0.0.1", port: 0 });
		const address = t().server.server.address();
		if (!address || typeof address === "string")
			throw new Error("the test server is not listening on a port");
		prometheus = await startPrometheus({
			targets: [`127.0.0.1:${address.port}`],
		});
	}, 60_000);
	afterAll(async () => {
		await prometheus?.stop();
	});

	it.skipIf(skip)(
		"stores basalt_http_requests_total and basalt_ready from /metrics",
		async () => {
			const server = prometheus as PrometheusServer;
			await t().request("GET", "/health/live");
			const requests = await eventually(
				() => server.query('basalt_http_requests_total{route="/health/live"}'),
				(result) => result.length > 0,
				30_000,
			);
			expect(requests.length, server.output()).toBeGreaterThan(0);
			expect(requests[0]?.metric).toMatchObject({
				job: "basalt",
				method: "GET",
				status: "2xx",
			});
			expect(Number(requests[0]?.value[1])).toBeGreaterThanOrEqual(1);
			const up = await server.query('up{job="basalt"}');
			expect(up[0]?.value[1]).toBe("1");
			const ready = await server.query("basalt_ready");
			expect(ready[0]?.value[1]).toBe("1");
		},
		60_000,
	);
});
