// Basalt's CSV import in its own process (bench/jobs/jobs.mjs), so its peak RSS is the
// import's alone: creates `items`, imports the file through app.imports with the
// worker running, and prints one JSON line to stdout. argv[2] is a spec file.
import { createReadStream, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { openBasalt } from "./basalt-app.mjs";
import { startRssSampler } from "./peak-rss.mjs";

const ITEMS = {
	name: "items",
	fields: [
		{ name: "code", type: "text" },
		{ name: "title", type: "text" },
		{ name: "n", type: "number" },
	],
};
const SUPERUSER = { email: "bench@example.com", password: "bench-password-1" };
const POLL_MS = 100;

/** Waits for the job to finish; reads it by id, one primary-key lookup a poll. */
async function waitForJob(app, id) {
	for (;;) {
		const job = await app.jobs.get(id);
		if (["completed", "failed", "cancelled"].includes(job.status)) return job;
		await sleep(POLL_MS);
	}
}

/** Checks that every row went in: a fast wrong import must not pass as a fast import. */
async function assertImported(app, job, rows) {
	if (job.status !== "completed")
		throw new Error(`the import ended ${job.status}: ${job.lastError}`);
	const { rowsImported, rowsFailed, errors } = job.result;
	const stored = await app.db.read({
		sql: "SELECT count(*) AS n FROM items",
		parameters: [],
	});
	if (rowsImported !== rows || stored[0].n !== rows)
		throw new Error(
			`imported ${rowsImported} of ${rows} rows (${stored[0].n} stored, ${rowsFailed} refused, first: ${JSON.stringify(errors[0])})`,
		);
}

/**
 * Creates the superuser the import acts for: an import job re-reads its caller before
 * each batch and fails once that caller no longer exists, so it must be a stored one.
 */
async function createCaller(app) {
	const { id, email } = await app.superusers.create(
		SUPERUSER.email,
		SUPERUSER.password,
	);
	return { kind: "superuser", id, email };
}

/** Times the import from the upload (the file streamed into the data dir) to the end. */
async function measureImport(app, spec) {
	await app.collections.create(ITEMS, null);
	const caller = await createCaller(app);
	app.jobs.startWorker();
	const started = performance.now();
	const job = await app.imports.start({
		collection: ITEMS.name,
		format: "csv",
		onError: "skip",
		caller,
		body: createReadStream(spec.csvFile),
	});
	const uploadMs = performance.now() - started;
	const done = await waitForJob(app, job.id);
	const ms = performance.now() - started;
	await assertImported(app, done, spec.rows);
	return { rows: spec.rows, ms, uploadMs };
}

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const rss = startRssSampler();
const app = await openBasalt(spec.dataDir, {
	BASALT_QUEUES: "default:1,imports:1",
});
try {
	const result = await measureImport(app, spec);
	process.stdout.write(`${JSON.stringify({ ...result, ...rss.stop() })}\n`);
} finally {
	await app.close();
}
