import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { hash, verify } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import {
	SqliteDriver,
	sqliteDriverMajor,
} from "../src/core/db/sqlite-driver.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/** The package that src/core/db/sqlite-driver.ts loads on this Node. */
const driverPackage =
	sqliteDriverMajor === 13
		? "better-sqlite3-multiple-ciphers-13"
		: "better-sqlite3-multiple-ciphers";

// CI runs the suite on Node 20 and again on Node 24 (.ci/run). These tests make sure a
// run is really on the Node it claims, in every process it starts, and that the native
// modules load on that Node and survive its garbage collector.
describe("the Node.js runtime of the test run", () => {
	it("is the Node that CI asked for (BASALT_TEST_NODE_MAJOR), and at least 20.12", () => {
		const [major, minor] = process.versions.node.split(".").map(Number) as [
			number,
			number,
		];
		expect(major > 20 || (major === 20 && minor >= 12)).toBe(true);
		const wanted = process.env.BASALT_TEST_NODE_MAJOR;
		if (wanted) expect(major).toBe(Number(wanted));
	});

	it("is the same Node in child processes and as `node` on PATH", async () => {
		// Servers and CLIs that tests spawn use process.execPath; the README tour's
		// shell (`npx basalt`, `node -pe`) uses the `node` found on PATH.
		const child = await run(process.execPath, ["-p", "process.version"]);
		expect(child.stdout.trim()).toBe(process.version);
		const onPath = await run("node", ["-p", "process.version"]);
		expect(onPath.stdout.trim()).toBe(process.version);
	});

	it("picks the SQLite driver major for this Node's Node-API and opens a database", () => {
		expect(sqliteDriverMajor).toBe(
			Number(process.versions.napi) >= 10 ? 13 : 12,
		);
		const db = new SqliteDriver(":memory:");
		try {
			const row = db
				.prepare("select sqlite_version() as v, sqlite3mc_version() as mc")
				.get() as { v: string; mc: string };
			expect(row.v).toMatch(/^3\./);
			expect(row.mc).toMatch(/^SQLite3 Multiple Ciphers /);
		} finally {
			db.close();
		}
	});

	it("survives a garbage collection outside JavaScript that finalizes statements", async () => {
		// better-sqlite3-multiple-ciphers 12.x built against Node 24.19+ headers aborts
		// here ("Assertion failed: (env) != nullptr" in RemoveEnvironmentCleanupHook):
		// an async GC runs as a platform task, with no context entered.
		const script = `
			const Database = require(process.argv[1]);
			const db = new Database(":memory:");
			for (let i = 0; i < 2000; i++) db.prepare("select " + i + " as x").get();
			globalThis.gc({ type: "major", execution: "async" })
				.then(() => globalThis.gc({ type: "major", execution: "async" }))
				.then(() => { db.close(); console.log("survived"); });
		`;
		const { stdout } = await run(process.execPath, [
			"--expose-gc",
			"-e",
			script,
			require.resolve(driverPackage),
		]);
		expect(stdout.trim()).toBe("survived");
	});

	it("loads the N-API prebuilds: @node-rs/argon2 and msgpackr-extract", async () => {
		const digest = await hash("correct horse battery", {
			memoryCost: 1024,
			timeCost: 1,
		});
		expect(await verify(digest, "correct horse battery")).toBe(true);
		// BullMQ packs jobs with msgpackr, which uses msgpackr-extract when it loads.
		const msgpackr = createRequire(require.resolve("bullmq"))("msgpackr") as {
			isNativeAccelerationEnabled: boolean;
		};
		expect(msgpackr.isNativeAccelerationEnabled).toBe(true);
	});
});
