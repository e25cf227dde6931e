import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteDriver } from "../../src/core/db/sqlite-driver.js";
import { createApp, parseConfig } from "../../src/index.js";
import { eventually } from "../core/jobs/queue-contract.js";
import { runCli } from "../helpers/run-cli.js";
import {
	buildServer,
	packageRoot,
	type ServerProcess,
	signInSuperuser,
	startServerProcess,
} from "../helpers/spawn-server.js";

const ROWS = 10_000;
const SUPERUSER = {
	identity: "keys@example.com",
	password: "rotation test password",
};
const main = path.join(packageRoot, "dist/cli/main.js");

/** The plaintext every row's encrypted field holds. */
const secretOf = (i: number) => `secret number ${i}`;

// Key rotation (docs/security.md#key-rotation): `basalt keys rotate` adds a data key
// and a job re-encrypts every value. A worker killed half-way leaves every value
// readable (under the old key or the new one); the job resumes on another worker,
// after which the old key is unused and can be retired. A wrong or missing master
// key stops start-up with one line, and never makes a new key over the data.
describe("key rotation with a worker killed half-way", () => {
	let server: ServerProcess;
	let token: string;
	let dataDir: string;
	const workers: ChildProcess[] = [];

	const api = async (method: string, url: string, body?: unknown) => {
		const response = await fetch(`${server.url}${url}`, {
			method,
			headers: {
				authorization: `Bearer ${token}`,
				...(body !== undefined ? { "content-type": "application/json" } : {}),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
		return { status: response.status, body: (await response.json()) as any };
	};

	/** Counts the rows whose value is sealed with each data key, from the file itself. */
	function valuesByKey(): Map<string, number> {
		const db = new SqliteDriver(path.join(dataDir, "data.db"));
		try {
			const rows = db
				.prepare(
					"SELECT substr(secret, 5, instr(substr(secret, 5), '.') - 1) AS key, count(*) AS n FROM vault GROUP BY 1",
				)
				.all() as { key: string; n: number }[];
			return new Map(rows.map((r) => [r.key, r.n]));
		} finally {
			db.close();
		}
	}

	const startWorker = () => {
		const worker = spawn(process.execPath, [main, "worker"], {
			env: {
				...process.env,
				...server.env,
				BASALT_SERVE_WORKERS: "true",
				BASALT_JOB_LEASE_MS: "1500",
			},
			stdio: "ignore",
		});
		workers.push(worker);
		return worker;
	};

	beforeAll(async () => {
		buildServer();
		// The rows are written in process (faster than 20 HTTP batches), then served.
		dataDir = mkdtempSync(path.join(tmpdir(), "basalt-keys-"));
		const seed = await createApp(
			parseConfig(
				{ BASALT_DATA_DIR: dataDir, BASALT_LOG_LEVEL: "silent" },
				{ cwd: dataDir, stdoutIsTty: false },
			),
		);
		await seed.collections.create(
			{
				name: "vault",
				fields: [
					{ name: "n", type: "number", integer: true },
					{ name: "secret", type: "encrypted" },
				],
			},
			null,
		);
		for (let start = 0; start < ROWS; start += 1000)
			await seed.records.batch(
				Array.from({ length: 1000 }, (_, j) => ({
					action: "create" as const,
					collection: "vault",
					body: { n: start + j, secret: secretOf(start + j) },
				})),
				{
					kind: "superuser",
					id: "seed",
					email: "seed@example.com",
					commandLine: true,
				},
			);
		await seed.close();
		server = await startServerProcess({
			BASALT_DATA_DIR: dataDir,
			BASALT_SERVE_WORKERS: "false",
			BASALT_JOB_POLL_MS: "20",
			BASALT_SUPERUSER_EMAIL: SUPERUSER.identity,
			BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
		});
		token = await signInSuperuser(server.url, SUPERUSER);
	}, 180_000);

	afterAll(async () => {
		for (const worker of workers) worker.kill("SIGKILL");
		await server?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	});

	it("re-encrypts everything after a SIGKILL, then retires the old key", async () => {
		const [oldKey] = [...valuesByKey().keys()];
		expect(valuesByKey()).toEqual(new Map([[oldKey, ROWS]]));

		const rotated = await runCli(["keys", "rotate"], server.env);
		expect(rotated.code, rotated.stderr).toBe(0);
		const jobId = /re-encryption job (\S+) is queued/.exec(rotated.stdout)?.[1];
		const newKey = /new data key (\S+) is active/.exec(rotated.stdout)?.[1];
		expect(jobId && newKey).toBeTruthy();

		// Kill the first worker once the job has moved some rows and not all.
		const first = startWorker();
		await eventually(
			async () =>
				(await api("GET", `/api/v1/jobs/${jobId}`)).body.progress?.records ?? 0,
			(done) => done > 0 && done < ROWS,
			60_000,
		);
		first.kill("SIGKILL");
		await new Promise((resolve) => first.once("exit", resolve));
		const halfway = valuesByKey();
		expect(halfway.get(newKey as string) ?? 0).toBeGreaterThan(0);
		expect(halfway.get(oldKey as string) ?? 0).toBeGreaterThan(0);
		// Every value reads back, whichever key it is under.
		const page = await api(
			"GET",
			"/api/v1/collections/vault/records?perPage=500&sort=n",
		);
		expect(page.status).toBe(200);
		expect(page.body.items).toHaveLength(500);
		for (const record of page.body.items)
			expect(record.secret).toBe(secretOf(record.n));

		// The old key cannot go while values use it.
		const early = await runCli(
			["keys", "retire", oldKey as string],
			server.env,
		);
		expect(early.code).toBe(1);
		expect(early.stderr).toMatch(/still sealed with data key/);

		startWorker();
		await eventually(
			async () => (await api("GET", `/api/v1/jobs/${jobId}`)).body.status,
			(status) => status === "completed",
			90_000,
		);
		expect(valuesByKey()).toEqual(new Map([[newKey, ROWS]]));

		const list = await runCli(["keys", "list"], server.env);
		expect(list.code, list.stderr).toBe(0);
		expect(list.stdout).toMatch(new RegExp(`${oldKey}  old .* 0 values`));
		expect(list.stdout).toMatch(
			new RegExp(`${newKey}  active .* ${ROWS + 2} values`),
		);
		const retired = await runCli(
			["keys", "retire", oldKey as string],
			server.env,
		);
		expect(retired.code, retired.stderr).toBe(0);
		const all = await api(
			"GET",
			`/api/v1/collections/vault/records?perPage=500&filter=${encodeURIComponent(`n >= ${ROWS - 500}`)}&sort=n`,
		);
		expect(all.body.items).toHaveLength(500);
		for (const record of all.body.items)
			expect(record.secret).toBe(secretOf(record.n));
	}, 240_000);

	it("refuses to start with a wrong master key, or without one, in one line", async () => {
		const env = { ...server.env, BASALT_PORT: "0" };
		const wrong = await runCli(["keys", "list"], {
			...env,
			BASALT_MASTER_KEY: Buffer.alloc(32, 9).toString("base64"),
		});
		expect(wrong.code).toBe(1);
		expect(wrong.stderr.trim().split("\n")).toEqual([
			expect.stringMatching(
				/^basalt: invalid configuration: BASALT_MASTER_KEY: does not open this database's key ring/,
			),
		]);
		const keyFile = path.join(dataDir, "master.key");
		rmSync(keyFile);
		const missing = await runCli(["keys", "list"], env);
		expect(missing.code).toBe(1);
		expect(missing.stderr.trim().split("\n")).toEqual([
			expect.stringMatching(
				/^basalt: invalid configuration: BASALT_MASTER_KEY: is not set and .*master\.key does not exist, but this database holds data sealed by a master key/,
			),
		]);
		// No new key was made over the data.
		expect(existsSync(keyFile)).toBe(false);
	});
});
