import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import type { App } from "../core/app/index.js";
import type { Job } from "../core/jobs/index.js";
import type { Caller } from "../core/model/index.js";
import { createApp } from "../index.js";
import { createLogger } from "../tools/logger/index.js";
import { loadConfigOrExit } from "./load-config.js";

/** The CLI acts with a superuser's powers: whoever runs it owns the data dir. */
const CLI_CALLER: Caller = {
	kind: "superuser",
	id: "cli",
	email: "cli@localhost",
	commandLine: true,
};

/**
 * Runs a job to its end in this process, printing progress on one line (a TTY) or a
 * line per update (a pipe). Another process's worker may take the job; the progress
 * shows either way.
 */
async function follow(
	app: App,
	job: Job,
	describe: (progress: Record<string, number>) => string,
): Promise<Job> {
	const tty = Boolean(process.stderr.isTTY);
	let last = "";
	for (;;) {
		const current = await app.jobs.get(job.id);
		const line = describe((current.progress ?? {}) as Record<string, number>);
		if (line !== last) {
			process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
			last = line;
		}
		if (["completed", "failed", "cancelled"].includes(current.status)) {
			if (tty) process.stderr.write("\n");
			return current;
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

async function withWorkerApp<T>(work: (app: App) => Promise<T>): Promise<T> {
	const config = loadConfigOrExit();
	const app = await createApp(
		{ ...config, jobs: { ...config.jobs, pollMs: 50 } },
		{ logger: createLogger({ level: "warn", format: "json" }) },
	);
	app.jobs.startWorker();
	try {
		return await work(app);
	} finally {
		await app.close();
	}
}

/** Adds `basalt import <collection> <file>` and `basalt export <collection>`. */
export function addTransferCommands(program: Command): void {
	program
		.command("import")
		.description(
			"import a CSV (with a header row) or NDJSON file into a collection, as the import API does",
		)
		.argument("<collection>")
		.argument("<file>", "a .csv or .ndjson file")
		.option(
			"--on-error <mode>",
			"skip bad rows (reported by line) or abort the whole import",
			"skip",
		)
		.option(
			"--upsert <field>",
			"update records whose unique <field> matches instead of creating them",
		)
		.action(
			async (
				collection: string,
				file: string,
				options: { onError: string; upsert?: string },
			) => {
				if (options.onError !== "skip" && options.onError !== "abort")
					throw new Error("--on-error must be skip or abort");
				const format =
					path.extname(file).toLowerCase() === ".ndjson" ? "ndjson" : "csv";
				const size = (await stat(file)).size;
				await withWorkerApp(async (app) => {
					const job = await app.imports.start({
						collection,
						format,
						onError: options.onError as "skip" | "abort",
						upsert: options.upsert,
						caller: CLI_CALLER,
						body: createReadStream(file),
					});
					const done = await follow(
						app,
						job,
						(p) =>
							`importing ${file} (${size} bytes): ${p.rowsImported ?? 0} rows imported, ${p.rowsFailed ?? 0} refused, line ${p.line ?? 0}`,
					);
					report(done);
				});
			},
		);
	program
		.command("export")
		.description("export the records of a collection to CSV or NDJSON")
		.argument("<collection>")
		.option("--format <format>", "csv or ndjson", "csv")
		.option("--filter <filter>", "only records matching this filter")
		.option("--sort <sort>", "e.g. -created,title")
		.option("--out <file>", "where to write (default: <collection>.<format>)")
		.action(
			async (
				collection: string,
				options: {
					format: string;
					filter?: string;
					sort?: string;
					out?: string;
				},
			) => {
				if (options.format !== "csv" && options.format !== "ndjson")
					throw new Error("--format must be csv or ndjson");
				const out = options.out ?? `${collection}.${options.format}`;
				await withWorkerApp(async (app) => {
					const job = await app.exports.start({
						collection,
						format: options.format as "csv" | "ndjson",
						filter: options.filter,
						sort: options.sort,
						caller: CLI_CALLER,
					});
					const done = await follow(
						app,
						job,
						(p) => `exporting ${collection}: ${p.rows ?? 0} rows`,
					);
					if (done.status !== "completed") return report(done);
					const download = await app.exports.download(done.id, CLI_CALLER);
					await pipeline(download.body, createWriteStream(out));
					process.stdout.write(
						`wrote ${(done.result as { rows: number }).rows} records to ${out}\n`,
					);
				});
			},
		);
}

function report(job: Job): void {
	if (job.status !== "completed") {
		process.stderr.write(
			`basalt: the job ${job.status}: ${job.lastError ?? ""}\n`,
		);
		process.exitCode = 1;
		return;
	}
	process.stdout.write(`${JSON.stringify(job.result)}\n`);
	const failed = (job.result as { rowsFailed?: number }).rowsFailed ?? 0;
	if (failed > 0) process.exitCode = 2;
}
