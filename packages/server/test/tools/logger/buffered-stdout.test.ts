import { spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../core/jobs/queue-contract.js";
import { buildServer, packageRoot } from "../../helpers/spawn-server.js";

const LOGGER = path.join(packageRoot, "dist/tools/logger/index.js");

/** Runs `body` in a child node process that has `logger` (createLogger, JSON, stdout). */
function runChild(body: string) {
	const script = `
		const { createLogger } = await import(${JSON.stringify(LOGGER)});
		const logger = createLogger({ level: "info", format: "json" });
		${body}
	`;
	const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	let stdout = "";
	// Decoded as a stream: a character split between two pipe reads stays whole.
	child.stdout.setEncoding("utf8");
	child.stdout.on("data", (chunk: string) => {
		stdout += chunk;
	});
	const exited = new Promise<number | null>((resolve) =>
		child.once("exit", (code) => resolve(code)),
	);
	return { child, exited, stdout: () => stdout };
}

const messages = (stdout: string) =>
	stdout
		.split("\n")
		.filter(Boolean)
		.map((line) => (JSON.parse(line) as { msg: string }).msg);

describe("log lines to standard output", () => {
	beforeAll(() => buildServer(), 120_000);

	it("writes a waiting line within a moment, while the process goes on", async () => {
		const run = runChild(
			`logger.info("first"); setTimeout(() => process.exit(0), 5000);`,
		);
		const out = await eventually(
			async () => run.stdout(),
			(text) => text.includes("first"),
			2000,
		);
		expect(messages(out)).toEqual(["first"]);
		expect(run.child.exitCode).toBeNull();
		run.child.kill();
		await run.exited;
	});

	it("writes every waiting line when the process exits at once", async () => {
		const run = runChild(`
			for (let i = 0; i < 2000; i++) logger.info({ i }, "line " + i);
			process.exit(3);
		`);
		expect(await run.exited).toBe(3);
		const seen = messages(run.stdout());
		expect(seen).toHaveLength(2000);
		expect(seen[0]).toBe("line 0");
		expect(seen[1999]).toBe("line 1999");
	});

	it("keeps lines whole and in order across batches, multi-byte text and lines longer than a batch", async () => {
		// Mostly 3-byte and 4-byte UTF-8 characters: a batch fills with three times as
		// many bytes as characters. The 70,000-character line is larger than a batch.
		const run = runChild(`
			for (let i = 0; i < 3000; i++) logger.info(i + " " + "€".repeat(100 + (i % 50)) + "😀é");
			logger.info("x".repeat(70000));
			logger.info("after the long one");
			process.exit(0);
		`);
		expect(await run.exited).toBe(0);
		const seen = messages(run.stdout());
		expect(seen).toHaveLength(3002);
		for (let i = 0; i < 3000; i++)
			expect(seen[i]).toBe(`${i} ${"€".repeat(100 + (i % 50))}😀é`);
		expect(seen[3000]).toBe("x".repeat(70000));
		expect(seen[3001]).toBe("after the long one");
	});

	it("writes the waiting lines before an uncaught exception ends the process", async () => {
		const run = runChild(`
			logger.info("before the crash");
			setImmediate(() => { throw new Error("crash"); });
		`);
		expect(await run.exited).not.toBe(0);
		expect(messages(run.stdout())).toEqual(["before the crash"]);
	});

	it("writes out what waits when the logger is flushed", async () => {
		const run = runChild(`
			logger.info("flushed");
			logger.flush();
			process.stdout.write("after\\n");
			setTimeout(() => process.exit(0), 5000);
		`);
		const out = await eventually(
			async () => run.stdout(),
			(text) => text.includes("after"),
			2000,
		);
		expect(out).toMatch(/"msg":"flushed"\}\nafter\n/);
		run.child.kill();
		await run.exited;
	});
});
