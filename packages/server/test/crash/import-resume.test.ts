import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../core/jobs/queue-contract.js";
import {
	buildServer,
	packageRoot,
	type ServerProcess,
	signInSuperuser,
	startServerProcess,
} from "../helpers/spawn-server.js";

const ROWS = 30_000;
const SUPERUSER = {
	identity: "crash@example.com",
	password: "crash test password",
};

/** Starts `basalt worker` on the server's data dir. */
function startWorker(server: ServerProcess): ChildProcess {
	return spawn(
		process.execPath,
		[path.join(packageRoot, "dist/cli/main.js"), "worker"],
		{
			env: { ...process.env, ...server.env, BASALT_SERVE_WORKERS: "true" },
			stdio: "ignore",
		},
	);
}

// An import whose worker is killed resumes after its last committed batch, with no row
// twice (docs/jobs.md#imports), and a worker killed with SIGKILL mid-job loses no job:
// its lease runs out and another worker takes the job over.
describe("a worker killed in the middle of an import", () => {
	let server: ServerProcess;
	let token: string;
	const workers: ChildProcess[] = [];

	const api = async (
		method: string,
		url: string,
		body?: string,
		type = "application/json",
	) => {
		const response = await fetch(`${server.url}${url}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body !== undefined ? { "content-type": type } : {}),
			},
			body,
		});
		// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
		return { status: response.status, body: (await response.json()) as any };
	};

	beforeAll(async () => {
		buildServer();
		server = await startServerProcess({
			BASALT_SERVE_WORKERS: "false",
			BASALT_JOB_POLL_MS: "20",
			BASALT_JOB_LEASE_MS: "1500",
			BASALT_SUPERUSER_EMAIL: SUPERUSER.identity,
			BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
		});
		token = await signInSuperuser(server.url, SUPERUSER);
		const created = await api(
			"POST",
			"/api/v1/collections",
			JSON.stringify({
				name: "items",
				fields: [
					{ name: "code", type: "text" },
					{ name: "n", type: "number" },
				],
				indexes: [{ fields: ["code"], unique: true }],
			}),
		);
		expect(created.status).toBe(201);
	}, 120_000);

	afterAll(async () => {
		for (const worker of workers) worker.kill("SIGKILL");
		await server?.stop();
	});

	it("resumes after its last committed batch and imports every row exactly once", async () => {
		const lines = ["code,n"];
		for (let i = 1; i <= ROWS; i++) lines.push(`item-${i},${i}`);
		const queued = await api(
			"POST",
			"/api/v1/collections/items/import",
			lines.join("\n"),
			"text/csv",
		);
		expect(queued.status).toBe(202);
		const jobUrl = `/api/v1/jobs/${queued.body.id}`;

		const first = startWorker(server);
		workers.push(first);
		const midway = await eventually(
			() => api("GET", jobUrl),
			(r) => (r.body.progress?.rowsImported ?? 0) >= 2000,
			60_000,
		);
		expect(midway.body.status).toBe("running");
		first.kill("SIGKILL");
		const killedAt = midway.body.progress.rowsImported as number;
		expect(killedAt).toBeLessThan(ROWS);

		workers.push(startWorker(server));
		const done = await eventually(
			() => api("GET", jobUrl),
			(r) => ["completed", "failed"].includes(r.body.status),
			120_000,
		);
		expect(done.body.status).toBe("completed");
		expect(done.body.attempts).toBe(2);
		expect(done.body.result).toMatchObject({
			rowsImported: ROWS,
			rowsFailed: 0,
		});
		const count = await api(
			"GET",
			"/api/v1/collections/items/records?perPage=1",
		);
		expect(count.body.totalItems).toBe(ROWS);
	}, 180_000);
});
