// `npm run bench:security`: what two security features cost. Records with an
// `encrypted` field against the same records with the field as `text` (create and
// view, two collections on one server), and a record view over HTTPS against plain
// HTTP (keep-alive, two servers on copies of the same data), in the same run,
// interleaved. See bench/security/README.md.
import { cpSync } from "node:fs";
import path from "node:path";
import { QUIET, SUPERUSER, startBasalt } from "../lib/basalt-server.mjs";
import { log, positiveInt, runLoad } from "../lib/bench-env.mjs";
import { runBenchmark } from "../lib/child-processes.mjs";
import { cpuMicrosOf } from "../lib/process-cpu.mjs";
import { sliceTotal } from "../lib/rounds.mjs";
import { createDevCertificate, httpsGet } from "./https-probe.mjs";
import {
	assertSameAnswers,
	assertStoredForms,
	COLLECTIONS,
	createSecretCollections,
	RECORD_BODY,
	SECRET,
	seedSecretRecords,
} from "./secret-collections.mjs";
import {
	findFailedRuns,
	formatCpu,
	formatTable,
	formatVerdicts,
} from "./security-report.mjs";

const SIDES = ["basalt", "baseline"];

/** The goals the team set (bench/security/README.md); each row holds one. */
const GOALS = {
	encrypted: {
		ratio: 0.85,
		text: "an encrypted field costs at most 15% of create and view throughput (encrypted / text >= 0.85)",
	},
	tls: {
		ratio: 0.75,
		text: "TLS with keep-alive costs at most 25% of view throughput (HTTPS / HTTP >= 0.75)",
	},
};

/** Reads the knobs (bench/security/README.md). */
function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	return {
		connections: int("BENCH_CONNECTIONS", 50),
		warmup: int("BENCH_WARMUP", 5),
		records: int("BENCH_RECORDS", 1000),
		rounds: int("BENCH_ROUNDS", 3),
		slices: int("BENCH_SLICES", 4),
		sliceSeconds: int("BENCH_SLICE_SECONDS", 3),
	};
}

/**
 * Starts `basalt serve` with QUIET logs on the data dir; over HTTPS when given a
 * certificate, then probed by a client that trusts that certificate alone.
 */
function startServer(ctx, dataDir, tls) {
	if (tls === undefined) return startBasalt(ctx.children, dataDir, QUIET);
	return startBasalt(
		ctx.children,
		dataDir,
		{ ...QUIET, BASALT_TLS_CERT: tls.cert, BASALT_TLS_KEY: tls.key },
		{ get: (url) => httpsGet(url, tls.cert) },
	);
}

/** A fresh copy of the seeded data dir, so every round starts from the same data. */
function copyOfSeed(ctx) {
	const dataDir = path.join(ctx.workDir, `data-${ctx.copies++}`);
	cpSync(ctx.seedDir, dataDir, { recursive: true });
	return dataDir;
}

/**
 * Creates both collections and their records through the API, then checks the
 * stored forms in the file with the server stopped. Returns the ids of each.
 */
async function seed(ctx) {
	const first = await startServer(ctx, ctx.seedDir);
	const started = Date.now();
	await createSecretCollections(first.url, SUPERUSER);
	const ids = {};
	for (const [type, name] of Object.entries(COLLECTIONS))
		ids[type] = await seedSecretRecords(first.url, name, ctx.settings.records);
	await ctx.children.stop(first.child);
	assertStoredForms(path.join(ctx.seedDir, "data.db"));
	log(
		`seeded ${ctx.settings.records} records per collection in ${Date.now() - started} ms`,
	);
	return ids;
}

/**
 * Measures one round of a row on fresh servers: after a warm-up of each side (left
 * out), the load alternates between the sides in slices, the order flipping each
 * slice and each round, so a slow spell of the host falls on both alike. Each slice
 * keeps the CPU time its server spent on it.
 */
async function measureRound(ctx, row, round) {
	const servers = await row.start();
	try {
		await row.check(servers);
		const load = (side, duration) =>
			runLoad(
				ctx.children,
				{ connections: ctx.settings.connections, duration, warmup: 0 },
				ctx.workDir,
				`${row.slug}-${row.labels[side]}`,
				servers[side].url,
				row.requests[side],
			);
		const measuredLoad = async (side) => {
			const before = cpuMicrosOf(servers[side].child.pid);
			const run = await load(side, ctx.settings.sliceSeconds);
			const after = cpuMicrosOf(servers[side].child.pid);
			return { ...run, cpuMicros: after - before };
		};
		for (const side of SIDES) await load(side, ctx.settings.warmup);
		const slices = { basalt: [], baseline: [] };
		for (let i = 0; i < ctx.settings.slices; i++)
			for (const side of (i + round) % 2 === 0 ? SIDES : [...SIDES].reverse())
				slices[side].push(await measuredLoad(side));
		const total = (side) => ({
			...sliceTotal(slices[side]),
			cpuMicros: slices[side].reduce((sum, run) => sum + run.cpuMicros, 0),
		});
		return { basalt: total("basalt"), baseline: total("baseline") };
	} finally {
		for (const child of new Set(SIDES.map((side) => servers[side].child)))
			await ctx.children.stop(child);
	}
}

/**
 * Measures a row's rounds, each on fresh servers: two processes started alike can
 * keep a 10-15% gap for their whole life (bench/observability/README.md), so the
 * spread of the rounds shows how far one pair of processes can be trusted.
 */
async function measureRow(ctx, row) {
	const rounds = [];
	for (let round = 0; round < ctx.settings.rounds; round++) {
		log(`--- ${row.name} vs ${row.baselineName}, round ${round + 1}`);
		rounds.push(await measureRound(ctx, row, round));
	}
	return { ...row, rounds };
}

/**
 * A row of both collections on one server: the sides differ only in the type of
 * `secret`, and share the process, so no gap between processes blurs the ratio.
 */
function encryptedRow(ctx, name, requestsOf) {
	return {
		name: `${name}, encrypted field`,
		slug: name,
		labels: { basalt: "encrypted", baseline: "text" },
		baselineName: "text field",
		goal: GOALS.encrypted,
		start: async () => {
			const server = await startServer(ctx, copyOfSeed(ctx));
			return { basalt: server, baseline: server };
		},
		check: (servers) => assertSameAnswers(servers.basalt.url, ctx.ids),
		requests: {
			basalt: requestsOf("encrypted"),
			baseline: requestsOf("text"),
		},
	};
}

/** The row of the same view of the text collection over HTTPS and over HTTP, on two servers. */
function tlsRow(ctx, viewsOf) {
	return {
		name: "view, HTTPS",
		slug: "view",
		labels: { basalt: "https", baseline: "http" },
		baselineName: "plain HTTP",
		goal: GOALS.tls,
		start: async () => ({
			basalt: await startServer(ctx, copyOfSeed(ctx), ctx.tls),
			baseline: await startServer(ctx, copyOfSeed(ctx)),
		}),
		check: async (servers) => {
			const view = viewsOf("text")[0].path;
			const answer = await httpsGet(
				`${servers.basalt.url}${view}`,
				ctx.tls.cert,
			);
			if (answer.status !== 200 || JSON.parse(answer.body).secret !== SECRET)
				throw new Error(`HTTPS view answered ${answer.status}: ${answer.body}`);
			ctx.tlsInUse = `${answer.tls.protocol} ${answer.tls.cipher}`;
			await assertSameAnswers(servers.baseline.url, ctx.ids);
		},
		requests: {
			basalt: viewsOf("text"),
			baseline: viewsOf("text"),
		},
	};
}

/** The rows in the order they run: the encrypted field's view and create, then TLS. */
function createRows(ctx) {
	const views = (type) =>
		ctx.ids[type].map((id) => ({
			method: "GET",
			path: `/api/v1/collections/${COLLECTIONS[type]}/records/${id}`,
		}));
	const creates = (type) => [
		{
			method: "POST",
			path: `/api/v1/collections/${COLLECTIONS[type]}/records`,
			headers: { "content-type": "application/json" },
			body: JSON.stringify(RECORD_BODY),
		},
	];
	return [
		encryptedRow(ctx, "view", views),
		encryptedRow(ctx, "create", creates),
		tlsRow(ctx, views),
	];
}

/** Prints the table, the CPU lines and a verdict per goal; errors make the exit code 1. */
function printReport(ctx, results) {
	const { settings } = ctx;
	console.log(
		`\n${settings.records} records per collection, views cycling over them, ${settings.connections} connections, ${settings.rounds} rounds on fresh servers of ${settings.slices} interleaved slices of ${settings.sliceSeconds} s per side (after ${settings.warmup} s warm-up each), HTTPS with ${ctx.tlsInUse} on a P-256 certificate, Node ${process.version}\n`,
	);
	console.log(formatTable(results));
	console.log("\nthe servers' CPU time per request, over every round:");
	for (const line of formatCpu(results)) console.log(line);
	console.log("");
	for (const line of formatVerdicts(results, Object.values(GOALS)))
		console.log(line);
	const failures = findFailedRuns(results);
	if (failures.length > 0) {
		console.log(
			"\n!!! SOME RUNS GOT ERRORS OR NON-2XX ANSWERS; THEIR FIGURES ARE MEANINGLESS:",
		);
		for (const failure of failures) console.log(`!!!   ${failure}`);
		process.exitCode = 1;
	}
}

async function main(children, workDir) {
	const settings = readSettings(process.env);
	const ctx = {
		children,
		workDir,
		settings,
		copies: 0,
		seedDir: path.join(workDir, "seed"),
	};
	ctx.ids = await seed(ctx);
	ctx.tls = await createDevCertificate(children, workDir);
	const results = [];
	for (const row of createRows(ctx)) results.push(await measureRow(ctx, row));
	printReport(ctx, results);
}

await runBenchmark("security", main);
