import {
	mkdtempSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, parseConfig } from "../src/index.js";
import { createLogger } from "../src/tools/logger/index.js";
import { readPackageVersion } from "./helpers/package-version.js";
import { runCli } from "./helpers/run-cli.js";
import {
	buildServer,
	signInSuperuser,
	startServerProcess,
} from "./helpers/spawn-server.js";
import { createTestApp, SUPERUSER } from "./helpers/test-app.js";

describe("the basalt command", () => {
	let dataDir: string;
	let env: Record<string, string>;

	beforeAll(() => {
		buildServer();
		dataDir = mkdtempSync(path.join(tmpdir(), "basalt-cli-"));
		env = { BASALT_DATA_DIR: dataDir, BASALT_LOG_LEVEL: "warn" };
	}, 120_000);
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it("lists its commands in --help", async () => {
		const help = await runCli(["--help"], env);
		expect(help.code).toBe(0);
		for (const command of ["serve", "superuser", "migrate", "keys", "doctor"])
			expect(help.stdout).toContain(command);
	});

	it("prints package.json's version for --version and -V, and nothing else", async () => {
		const version = readPackageVersion();
		expect(version).toMatch(/^\d+\.\d+\.\d+/);
		for (const flag of ["--version", "-V"]) {
			const res = await runCli([flag], env);
			expect(res, flag).toEqual({
				code: 0,
				stdout: `${version}\n`,
				stderr: "",
			});
		}
	});

	it("stops at start-up on an invalid variable with one line naming it", async () => {
		const res = await runCli(["serve"], { ...env, BASALT_PORT: "eighty" });
		expect(res.code).toBe(1);
		expect(res.stderr.trim().split("\n")).toEqual([
			'basalt: invalid configuration: BASALT_PORT: must be a whole number, got "eighty"',
		]);
	});

	it("reports insecure settings with their fixes, and exits 1 when it finds any", async () => {
		const clean = mkdtempSync(path.join(tmpdir(), "basalt-doctor-"));
		try {
			const masterKey = Buffer.alloc(32, 1).toString("base64");
			const ok = await runCli(["doctor"], {
				BASALT_DATA_DIR: clean,
				BASALT_MASTER_KEY: masterKey,
			});
			expect(ok.code, ok.stdout).toBe(0);
			expect(ok.stdout).toBe("basalt doctor: no insecure setting found\n");
			const open = await runCli(["doctor"], {
				BASALT_DATA_DIR: clean,
				BASALT_MASTER_KEY: masterKey,
				BASALT_HOST: "0.0.0.0",
				REDIS_URL: "redis://cache.internal:6379",
			});
			expect(open.code).toBe(1);
			expect(open.stdout).toContain("basalt doctor: 3 insecure settings");
			for (const id of [
				"public-bind-without-tls",
				"redis-without-password",
				"redis-without-tls",
			])
				expect(open.stdout).toContain(`[${id}]`);
			expect(open.stdout).toContain("  fix: Set BASALT_TLS_CERT");
		} finally {
			rmSync(clean, { recursive: true, force: true });
		}
	});

	it("manages superusers and migrations", async () => {
		const created = await runCli(
			["superuser", "create", "cli@example.com", "first password"],
			env,
		);
		expect(created.code, created.stderr).toBe(0);
		expect(created.stdout).toContain("created superuser cli@example.com");
		// The master key is generated next to the data, readable by its owner only.
		expect(statSync(path.join(dataDir, "master.key")).mode & 0o777).toBe(0o600);
		const duplicate = await runCli(
			["superuser", "create", "cli@example.com", "first password"],
			env,
		);
		expect(duplicate.code).toBe(1);
		expect(duplicate.stderr).toContain("exists");
		const weak = await runCli(
			["superuser", "create", "weak@example.com", "short"],
			env,
		);
		expect(weak.code).toBe(1);
		expect(weak.stderr).toContain("password must be 8 to 256 characters");
		expect(
			(
				await runCli(
					["superuser", "update", "cli@example.com", "second password"],
					env,
				)
			).code,
		).toBe(0);
		const status = await runCli(["migrate", "status"], env);
		expect(status.code, status.stderr).toBe(0);
		expect(status.stdout).toMatch(
			/^\d{4}-\d{2}-\d{2}T\S+ {2}0001-system-tables$/m,
		);
		expect(
			(await runCli(["superuser", "delete", "cli@example.com"], env)).code,
		).toBe(0);
		expect(
			(await runCli(["superuser", "delete", "cli@example.com"], env)).code,
		).toBe(1);
	});

	it("rotates the signing key without signing anyone out", async () => {
		const t = await createTestApp("sqlite", undefined);
		try {
			const before = decodeProtectedHeader(t.superuserToken).kid;
			const rotated = await runCli(["keys", "rotate"], {
				...env,
				BASALT_DATA_DIR: t.app.config.dataDir,
			});
			expect(rotated.code, rotated.stderr).toBe(0);
			const kid = /new signing key (\S+) is active/.exec(rotated.stdout)?.[1];
			expect(kid).toBeDefined();
			expect(kid).not.toBe(before);
			// The running server still accepts its old token, and learns the new key.
			const jobs = await t.request("GET", "/api/v1/jobs", {
				token: "superuser",
			});
			expect(jobs.status).toBe(200);
			await t.app.keyRing.load();
			const jwks = await t.request("GET", "/api/v1/.well-known/jwks.json");
			expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual(
				expect.arrayContaining([before, kid]),
			);
			const login = await t.request(
				"POST",
				"/api/v1/superusers/auth/password",
				{ body: { identity: SUPERUSER.email, password: SUPERUSER.password } },
			);
			expect(decodeProtectedHeader(login.body.token).kid).toBe(kid);
			const audit = await t.app.db.kysely
				.selectFrom("_audit_log")
				.selectAll()
				.where("action", "=", "keys.rotated")
				.execute();
			expect(audit).toHaveLength(1);
		} finally {
			await t.close();
		}
	});

	it("imports and exports from the command line", async () => {
		const config = parseConfig(
			{ BASALT_DATA_DIR: dataDir, BASALT_LOG_LEVEL: "silent" },
			{ cwd: dataDir, stdoutIsTty: false },
		);
		const app = await createApp(config, {
			logger: createLogger({ level: "silent", format: "json" }),
		});
		await app.collections.create(
			{
				name: "cities",
				fields: [
					{ name: "name", type: "text", required: true },
					{ name: "pop", type: "number" },
				],
				indexes: [{ fields: ["name"], unique: true }],
			},
			null,
		);
		await app.close();
		const csv = path.join(dataDir, "cities.csv");
		writeFileSync(csv, "name,pop\nLyon,522000\n,1\nOslo,709000\n");
		const imported = await runCli(["import", "cities", csv], env);
		// 2: some rows were refused; the result says which.
		expect(imported.code, imported.stderr).toBe(2);
		expect(JSON.parse(imported.stdout)).toMatchObject({
			rowsImported: 2,
			rowsFailed: 1,
			errors: [{ line: 3 }],
		});
		expect(imported.stderr).toContain("2 rows imported");
		const out = path.join(dataDir, "cities.ndjson");
		const exported = await runCli(
			[
				"export",
				"cities",
				"--format",
				"ndjson",
				"--sort",
				"name",
				"--out",
				out,
			],
			env,
		);
		expect(exported.code, exported.stderr).toBe(0);
		const names = readFileSync(out, "utf8")
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l).name);
		expect(names).toEqual(["Lyon", "Oslo"]);
	});

	it("serves, then drains and exits cleanly on SIGTERM", async () => {
		const server = await startServerProcess({
			// Info lines too (the helper asks for warn), so there is output to check.
			BASALT_LOG_LEVEL: "info",
			BASALT_SUPERUSER_EMAIL: "boot@example.com",
			BASALT_SUPERUSER_PASSWORD: "bootstrap password",
		});
		await signInSuperuser(server.url, {
			identity: "boot@example.com",
			password: "bootstrap password",
		});
		expect(await server.stop()).toBe(0);
		const lines = server.output().trim().split("\n").filter(Boolean);
		expect(lines.length).toBeGreaterThan(0);
		for (const line of lines)
			expect(() => JSON.parse(line), line).not.toThrow();
		expect(server.output()).not.toContain("bootstrap password");
	});
});
