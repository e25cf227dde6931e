import { createHash } from "node:crypto";
import {
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqliteDriver } from "../src/core/db/sqlite-driver.js";
import { createApp, createServer, parseConfig } from "../src/index.js";
import { createLogger } from "../src/tools/logger/index.js";
import { runCli } from "./helpers/run-cli.js";
import {
	buildServer,
	signInSuperuser,
	startServerProcess,
} from "./helpers/spawn-server.js";

const MARKER = "plaintext-marker-4f1c9e";
const SUPERUSER = {
	identity: "owner@example.com",
	password: "a long password",
};
const KEY = "the first passphrase";
const NEW_KEY = "the second passphrase";
const SQLITE_MAGIC = "SQLite format 3\u0000";

/** Makes a data dir the way the app does: a superuser, a collection, `count` records. */
async function seedDataDir(dataDir: string, count: number): Promise<void> {
	const config = parseConfig(
		{ BASALT_DATA_DIR: dataDir },
		{ cwd: dataDir, stdoutIsTty: false },
	);
	const app = await createApp(config, {
		logger: createLogger({ level: "silent", format: "json" }),
	});
	const server = await createServer(app);
	try {
		await app.superusers.create(SUPERUSER.identity, SUPERUSER.password);
		const login = await server.inject({
			method: "POST",
			url: "/api/v1/superusers/auth/password",
			payload: SUPERUSER,
		});
		const headers = { authorization: `Bearer ${login.json().token}` };
		const created = await server.inject({
			method: "POST",
			url: "/api/v1/collections",
			headers,
			payload: { name: "notes", fields: [{ name: "body", type: "text" }] },
		});
		expect(created.statusCode, created.body).toBe(201);
		for (let i = 0; i < count; i++) {
			const record = await server.inject({
				method: "POST",
				url: "/api/v1/collections/notes/records",
				headers,
				payload: { body: `${MARKER} ${i}` },
			});
			expect(record.statusCode, record.body).toBe(201);
		}
	} finally {
		await server.close();
		await app.close();
	}
}

/** Signs the superuser in to a running server; resolves with the request headers. */
async function signIn(url: string): Promise<Record<string, string>> {
	return {
		authorization: `Bearer ${await signInSuperuser(url, SUPERUSER)}`,
		"content-type": "application/json",
	};
}

/** The `notes` rows of a SQLite file, read with the driver alone (no app). */
function countNotes(file: string, key?: string): number {
	const db = new SqliteDriver(file);
	try {
		if (key !== undefined) {
			db.pragma(`cipher='sqlcipher'`);
			db.pragma(`key='${key}'`);
		}
		return db.prepare("SELECT count(*) FROM notes").pluck().get() as number;
	} finally {
		db.close();
	}
}

/** The files named after data.db in `dir`, but for the -shm. */
function besideTheFile(dir: string): string[] {
	return readdirSync(dir).filter(
		(f) => f.startsWith("data.db") && f !== "data.db-shm",
	);
}

const sha256 = (file: string) =>
	createHash("sha256").update(readFileSync(file)).digest("hex");

// `basalt db encrypt|decrypt|rekey` (docs/security.md#encryption-at-rest-whole-file),
// on a data dir the real app made, in the order an operator would run them.
describe("basalt db encrypt, rekey and decrypt", () => {
	let dataDir: string;
	let file: string;
	let env: Record<string, string | undefined>;
	beforeAll(async () => {
		buildServer();
		dataDir = mkdtempSync(path.join(tmpdir(), "basalt-db-cli-"));
		file = path.join(dataDir, "data.db");
		env = {
			BASALT_DATA_DIR: dataDir,
			BASALT_DB_ENCRYPTION_KEY: undefined,
			BASALT_DB_NEW_ENCRYPTION_KEY: undefined,
			DATABASE_URL: undefined,
		};
		await seedDataDir(dataDir, 20);
	}, 180_000);
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it("encrypts a file whose last writes are only in the WAL of a killed server; the server then reads it all with the key", async () => {
		const killed = await startServerProcess({ BASALT_DATA_DIR: dataDir });
		const written = await fetch(
			`${killed.url}/api/v1/collections/notes/records`,
			{
				method: "POST",
				headers: await signIn(killed.url),
				body: JSON.stringify({ body: `${MARKER} written before the kill` }),
			},
		);
		expect(written.status).toBe(201);
		killed.kill();
		await killed.stop();
		expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);

		const res = await runCli(["db", "encrypt"], {
			...env,
			BASALT_DB_ENCRYPTION_KEY: KEY,
		});
		expect(res.code, res.stderr).toBe(0);
		expect(res.stdout).toMatch(
			/^encrypted \S+data\.db \(\d+ tables, \d+ rows, \d+ KB\); start the server with the same key in BASALT_DB_ENCRYPTION_KEY\n$/,
		);
		// The WAL is folded in and no copy is left; a stale -shm may stay (the next
		// server to open the file resets it).
		expect(besideTheFile(dataDir)).toEqual(["data.db"]);
		const bytes = readFileSync(file);
		expect(bytes.subarray(0, 16).toString("latin1")).not.toBe(SQLITE_MAGIC);
		expect(bytes.includes(MARKER)).toBe(false);
		expect(bytes.includes(SUPERUSER.identity)).toBe(false);

		const server = await startServerProcess({
			BASALT_DATA_DIR: dataDir,
			BASALT_DB_ENCRYPTION_KEY: KEY,
		});
		try {
			const list = await fetch(
				`${server.url}/api/v1/collections/notes/records?perPage=100`,
				{ headers: await signIn(server.url) },
			);
			const page = (await list.json()) as {
				totalItems: number;
				items: { body: string }[];
			};
			expect(page.totalItems).toBe(21);
			expect(page.items.map((r) => r.body)).toContain(
				`${MARKER} written before the kill`,
			);
			// A running server holds the file: the command refuses to touch it.
			const busy = await runCli(["db", "rekey"], {
				...env,
				BASALT_DB_ENCRYPTION_KEY: KEY,
				BASALT_DB_NEW_ENCRYPTION_KEY: NEW_KEY,
			});
			expect(busy.code).toBe(1);
			expect(busy.stderr).toContain(
				`basalt: ${file} is in use by another process (a running basalt serve or worker?): stop it first\n`,
			);
		} finally {
			await server.stop();
		}
	}, 120_000);

	it("refuses with one line, and leaves the file as it was", async () => {
		const before = sha256(file);
		const cases: [string[], Record<string, string | undefined>, string][] = [
			[
				["db", "decrypt"],
				{ BASALT_DB_ENCRYPTION_KEY: "a wrong key" },
				`basalt: the key does not open ${file}: a wrong key, or not a SQLite database (BASALT_DB_ENCRYPTION_KEY or --key-file)`,
			],
			[
				["db", "encrypt"],
				{ BASALT_DB_ENCRYPTION_KEY: KEY },
				`basalt: ${file} is already encrypted: basalt db rekey changes its key`,
			],
			[
				["db", "rekey"],
				{ BASALT_DB_ENCRYPTION_KEY: KEY, BASALT_DB_NEW_ENCRYPTION_KEY: KEY },
				"basalt: the new key is the same as the current one",
			],
			[
				["db", "rekey"],
				{ BASALT_DB_ENCRYPTION_KEY: KEY },
				"basalt: set BASALT_DB_NEW_ENCRYPTION_KEY or pass --new-key-file with the new key",
			],
			[
				["db", "decrypt", "--key-file", path.join(dataDir, "no.key")],
				{ BASALT_DB_ENCRYPTION_KEY: KEY },
				"basalt: BASALT_DB_ENCRYPTION_KEY is set and --key-file is given: give the file's key one way only",
			],
			[
				["db", "decrypt"],
				{
					BASALT_DB_ENCRYPTION_KEY: KEY,
					DATABASE_URL: "postgres://basalt@db.example.test/basalt",
				},
				"basalt: DATABASE_URL names PostgreSQL: basalt db decrypt works on a SQLite file only (encrypt PostgreSQL's storage with its own means, such as an encrypted volume)",
			],
			[
				["db", "decrypt"],
				{ BASALT_DB_ENCRYPTION_KEY: KEY, DATABASE_URL: "sqlite:missing.db" },
				`basalt: no database file at ${path.join(dataDir, "missing.db")} (BASALT_DATA_DIR or DATABASE_URL names it)`,
			],
		];
		for (const [args, extra, message] of cases) {
			const res = await runCli(args, { ...env, ...extra });
			expect(res.code, message).toBe(1);
			expect(res.stderr.trim().split("\n").at(-1), args.join(" ")).toBe(
				message,
			);
		}
		expect(sha256(file)).toBe(before);
	}, 120_000);

	it("re-keys: the new key opens the file and the old one no longer does", async () => {
		const keyFile = path.join(dataDir, "new.key");
		writeFileSync(keyFile, `${NEW_KEY}\n`, { mode: 0o600 });
		const res = await runCli(["db", "rekey", "--new-key-file", keyFile], {
			...env,
			BASALT_DB_ENCRYPTION_KEY: KEY,
		});
		expect(res.code, res.stderr).toBe(0);
		expect(res.stdout).toMatch(
			/^re-keyed .*; start the server with the new key/,
		);
		expect(() => countNotes(file, KEY)).toThrow(/not a database/);
		expect(() => countNotes(file)).toThrow(/not a database/);
		expect(countNotes(file, NEW_KEY)).toBe(21);
		expect(readFileSync(file).includes(MARKER)).toBe(false);
	}, 60_000);

	it("decrypts to a plain SQLite file that opens without a key", async () => {
		const res = await runCli(
			["db", "decrypt", "--key-file", path.join(dataDir, "new.key")],
			env,
		);
		expect(res.code, res.stderr).toBe(0);
		expect(res.stdout).toMatch(
			/^decrypted .*; unset BASALT_DB_ENCRYPTION_KEY before starting the server\n$/,
		);
		const bytes = readFileSync(file);
		expect(bytes.subarray(0, 16).toString("latin1")).toBe(SQLITE_MAGIC);
		expect(bytes.includes(MARKER)).toBe(true);
		expect(countNotes(file)).toBe(21);
		const again = await runCli(["db", "decrypt"], {
			...env,
			BASALT_DB_ENCRYPTION_KEY: NEW_KEY,
		});
		expect(again.code).toBe(1);
		expect(again.stderr).toContain(
			`basalt: ${file} is not encrypted: basalt db encrypt encrypts it\n`,
		);
	}, 60_000);

	it("leaves the original intact when writing the new file fails (as on a full disk), and succeeds on the next run", async () => {
		const before = countNotes(file);
		const failed = await runCli(
			["db", "encrypt"],
			{ ...env, BASALT_DB_ENCRYPTION_KEY: KEY },
			{ fileSizeLimitKb: 64 },
		);
		expect(failed.code).toBe(1);
		expect(failed.stderr.trim().split("\n").at(-1)).toBe(
			"basalt: writing the new file beside the original failed (disk I/O error); the original is unchanged",
		);
		expect(besideTheFile(dataDir)).toEqual(["data.db"]);
		const bytes = readFileSync(file);
		expect(bytes.subarray(0, 16).toString("latin1")).toBe(SQLITE_MAGIC);
		// Back in WAL mode (header bytes 18 and 19 are 2), as the server left it.
		expect([bytes[18], bytes[19]]).toEqual([2, 2]);
		expect(countNotes(file)).toBe(before);

		const retried = await runCli(["db", "encrypt"], {
			...env,
			BASALT_DB_ENCRYPTION_KEY: KEY,
		});
		expect(retried.code, retried.stderr).toBe(0);
		expect(countNotes(file, KEY)).toBe(before);
	}, 60_000);
});
