import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteDriver } from "../../src/core/db/sqlite-driver.js";
import { createApp, createServer, parseConfig } from "../../src/index.js";
import { createLogger } from "../../src/tools/logger/index.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "basalt-enc-"));
const file = path.join(dataDir, "data.db");
const silent = createLogger({ level: "silent", format: "json" });

async function open(key: string) {
	const config = parseConfig(
		{ BASALT_DATA_DIR: dataDir, BASALT_DB_ENCRYPTION_KEY: key },
		{ cwd: dataDir, stdoutIsTty: false },
	);
	return createApp(config, { logger: silent });
}

// BASALT_DB_ENCRYPTION_KEY (docs/configuration.md): the whole SQLite file is encrypted
// at rest.
describe("SQLite file encryption", () => {
	afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

	it("writes nothing readable to disk and reads it back with the key", async () => {
		const app = await open("a passphrase for the test");
		await app.superusers.create("secret-owner@example.com", "some password");
		await app.close();

		const bytes = readFileSync(file);
		expect(bytes.subarray(0, 16).toString("latin1")).not.toBe(
			"SQLite format 3\u0000",
		);
		expect(bytes.includes(Buffer.from("secret-owner@example.com"))).toBe(false);
		// Without the key the file is not a database at all.
		const plain = new SqliteDriver(file);
		expect(() =>
			plain.prepare("SELECT count(*) FROM _superusers").get(),
		).toThrow(/not a database/);
		plain.close();

		const again = await open("a passphrase for the test");
		const server = await createServer(again);
		const login = await server.inject({
			method: "POST",
			url: "/api/v1/superusers/auth/password",
			payload: {
				identity: "secret-owner@example.com",
				password: "some password",
			},
		});
		expect(login.statusCode).toBe(200);
		await server.close();
		await again.close();
	});

	it("refuses to start with the wrong key", async () => {
		await expect(open("the wrong passphrase")).rejects.toThrow(
			/not a database/,
		);
	});
});
