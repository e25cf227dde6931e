import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers/spawn-server.js";

/** Advisories a fake registry reports, by package name. */
type Advisories = Record<string, { severity: string; title: string }>;

/**
 * A registry that answers npm's bulk advisory request (the one `npm audit` sends)
 * with the given advisories, each for every version of its package.
 */
async function startAdvisoryRegistry(advisories: Advisories): Promise<Server> {
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			let raw = Buffer.concat(chunks);
			if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
			if (!req.url?.includes("/security/advisories/bulk")) {
				res.writeHead(404).end("{}");
				return;
			}
			const asked = JSON.parse(raw.toString()) as Record<string, string[]>;
			const answer: Record<string, unknown[]> = {};
			for (const [name, { severity, title }] of Object.entries(advisories))
				if (asked[name])
					answer[name] = [
						{
							id: 1,
							url: `https://advisories.example/${name}`,
							title,
							severity,
							vulnerable_versions: "<1000.0.0",
							cwe: [],
							cvss: { score: 8, vectorString: null },
						},
					];
			res.writeHead(200, { "content-type": "application/json" });
			res.end(JSON.stringify(answer));
		});
	});
	await new Promise<void>((resolve) =>
		server.listen(0, "127.0.0.1", () => resolve()),
	);
	return server;
}

/** Runs .ci/audit.mjs against the registry; its exit code and output. */
function audit(server: Server): Promise<{ code: number; stdout: string }> {
	const { port } = server.address() as AddressInfo;
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[path.join(repoRoot, ".ci/audit.mjs")],
			{
				cwd: repoRoot,
				env: {
					...process.env,
					npm_config_registry: `http://127.0.0.1:${port}/`,
				},
				timeout: 120_000,
			},
			(err, stdout) =>
				resolve({
					code: err ? Number((err as { code?: number }).code ?? 1) : 0,
					stdout,
				}),
		);
	});
}

// CI's dependency gate (docs/security.md#dependencies): a high or critical advisory in
// a production dependency fails the run; development dependencies and lower
// severities do not; an advisory service that cannot be asked is no verdict.
describe("the CI audit gate", () => {
	let registry: Server | undefined;
	afterEach(() => registry?.close());

	/** Runs the gate against a registry that reports these advisories. */
	async function auditWith(advisories: Advisories) {
		registry = await startAdvisoryRegistry(advisories);
		return audit(registry);
	}

	it("fails on a high advisory in a production dependency, naming it", async () => {
		const result = await auditWith({
			fastify: { severity: "high", title: "A test advisory" },
		});
		expect(result.code, result.stdout).toBe(1);
		expect(result.stdout).toContain(
			"high advisory in fastify: A test advisory",
		);
	}, 150_000);

	it("passes with advisories only in development dependencies or of lower severity", async () => {
		const result = await auditWith({
			vitest: { severity: "critical", title: "Only in tests" },
			kysely: { severity: "moderate", title: "Not serious enough" },
		});
		expect(result.code, result.stdout).toBe(0);
		expect(result.stdout).toContain(
			"no high or critical advisory in production dependencies (1 of lower severity)",
		);
	}, 150_000);

	it("reaches no verdict when the advisory service does not answer", async () => {
		registry = createServer((_req, res) => res.writeHead(405).end());
		await new Promise<void>((resolve) =>
			registry?.listen(0, "127.0.0.1", () => resolve()),
		);
		const result = await audit(registry);
		expect(result.code, result.stdout).toBe(2);
		expect(result.stdout).toContain("could not ask the advisory service");
	}, 150_000);
});
