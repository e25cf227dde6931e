// `npm run bench:cache`: what the response cache buys. A record view (and a list)
// with the collection's cache on, on the memory store and on Redis, against the same
// read with the cache off, and against a bare route sending pre-made JSON, in the same
// run, interleaved. See bench/cache/README.md.
import { cpSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QUIET, SUPERUSER, startBasalt } from "../lib/basalt-server.mjs";
import { createItemsCollection, superuserToken } from "../lib/basalt-setup.mjs";
import {
	findFailedRuns,
	formatTable,
	ratioOf,
} from "../lib/baseline-report.mjs";
import { log, positiveInt, runLoad } from "../lib/bench-env.mjs";
import { freePort, runBenchmark, waitReady } from "../lib/child-processes.mjs";
import { startRedisServer } from "../lib/redis-server.mjs";
import { sliceTotal } from "../lib/rounds.mjs";
import { seedItems } from "../lib/seed-items.mjs";

const REDIS_BIN = process.env.BENCH_REDIS_SERVER ?? "/usr/bin/redis-server";
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RECORDS = "/api/v1/collections/items/records";

function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	return {
		connections: int("BENCH_CONNECTIONS", 50),
		warmup: int("BENCH_WARMUP", 5),
		records: int("BENCH_RECORDS", 10_000),
		slices: int("BENCH_SLICES", 4),
		sliceSeconds: int("BENCH_SLICE_SECONDS", 3),
	};
}

async function startStatic(ctx, dataDir) {
	const port = await freePort();
	const child = ctx.children.start(
		"static",
		path.join(BENCH_DIR, "static-server.mjs"),
		[],
		{ BENCH_DB_FILE: path.join(dataDir, "data.db"), BENCH_PORT: String(port) },
	);
	const url = `http://127.0.0.1:${port}`;
	await waitReady(url, child);
	return { child, url };
}

/** A fresh copy of the seeded data dir, with the collection's cache `mode`. */
function copyOf(ctx, mode) {
	const dataDir = path.join(ctx.workDir, `data-${ctx.copies++}`);
	cpSync(ctx.dataDirs[mode], dataDir, { recursive: true });
	return dataDir;
}

/**
 * Measures two servers against each other on the same requests, interleaved: the load
 * alternates between them in slices (the order flipping each time), so a slow spell
 * of the host falls on both sides alike (bench/observability/README.md).
 */
async function measurePair(ctx, row) {
	const sides = {};
	try {
		sides.on = await row.start();
		sides.off = await row.startBaseline();
		// The cached side must really answer from the cache.
		const probe = `${sides.on.url}${row.requests.on[0].path}`;
		await fetch(probe);
		const cache = (await fetch(probe)).headers.get("x-cache");
		if (cache !== "HIT")
			throw new Error(`${row.name}: X-Cache ${cache}, not HIT`);
		const load = (which, duration, requests) =>
			runLoad(
				ctx.children,
				{ connections: ctx.settings.connections, duration, warmup: 0 },
				ctx.workDir,
				`${row.name} ${which}`.replaceAll(" ", "-"),
				sides[which].url,
				requests,
			);
		for (const which of ["on", "off"])
			await load(which, ctx.settings.warmup, row.requests[which]);
		const slices = { on: [], off: [] };
		for (let i = 0; i < ctx.settings.slices; i++)
			for (const which of i % 2 === 0 ? ["on", "off"] : ["off", "on"])
				slices[which].push(
					await load(which, ctx.settings.sliceSeconds, row.requests[which]),
				);
		return {
			name: row.name,
			baselineName: row.baselineName,
			goal: row.goal,
			basalt: sliceTotal(slices.on),
			baseline: sliceTotal(slices.off),
		};
	} finally {
		for (const side of Object.values(sides))
			await ctx.children.stop(side.child);
	}
}

async function seed(ctx, mode) {
	const dataDir = path.join(ctx.workDir, `seed-${mode}`);
	const first = await startBasalt(ctx.children, dataDir, QUIET);
	await createItemsCollection(first.url, SUPERUSER);
	const token = await superuserToken(first.url, SUPERUSER);
	const patched = await fetch(`${first.url}/api/v1/collections/items`, {
		method: "PATCH",
		headers: {
			"content-type": "application/json",
			authorization: `Bearer ${token}`,
		},
		body: JSON.stringify({ cache: { mode, ttlSeconds: 3600 } }),
	});
	if (!patched.ok) throw new Error(`PATCH cache: ${patched.status}`);
	await ctx.children.stop(first.child);
	return {
		dataDir,
		ids: seedItems(path.join(dataDir, "data.db"), {
			count: ctx.settings.records,
			categories: 100,
			sampleSize: 1000,
		}),
	};
}

async function main(children, workDir, services) {
	const settings = readSettings(process.env);
	const ctx = {
		children,
		workDir,
		settings,
		copies: 0,
		dataDirs: {},
	};
	const on = await seed(ctx, "on");
	const off = await seed(ctx, "off");
	ctx.dataDirs = { on: on.dataDir, off: off.dataDir };
	const view = (ids) =>
		ids.map((id) => ({ method: "GET", path: `${RECORDS}/${id}` }));
	const list = (categories) =>
		categories.map((c) => ({
			method: "GET",
			path: `${RECORDS}?filter=${encodeURIComponent(`category="c${c}"`)}&perPage=30&skipTotal=1`,
		}));
	const categories = Array.from({ length: 100 }, (_, i) => i);
	const staticView = on.ids.map((id) => ({
		method: "GET",
		path: `/items/${id}`,
	}));
	services.redis = await startRedisServer(REDIS_BIN, await freePort());
	const redisUrl = services.redis.url;
	const basalt =
		(mode, env = {}) =>
		() =>
			startBasalt(ctx.children, copyOf(ctx, mode), { ...QUIET, ...env });
	const rows = [
		{
			name: "view, cached (memory)",
			baselineName: "uncached",
			goal: 3,
			start: basalt("on"),
			startBaseline: basalt("off"),
			requests: { on: view(on.ids), off: view(off.ids) },
		},
		{
			name: "view, cached (memory)",
			baselineName: "static JSON",
			goal: 0.8,
			start: basalt("on"),
			startBaseline: () => startStatic(ctx, ctx.dataDirs.on),
			requests: { on: view(on.ids), off: staticView },
		},
		{
			name: "view, cached (Redis)",
			baselineName: "uncached",
			start: basalt("on", { REDIS_URL: redisUrl }),
			startBaseline: basalt("off"),
			requests: { on: view(on.ids), off: view(off.ids) },
		},
		{
			name: "view, cached (Redis)",
			baselineName: "static JSON",
			goal: 0.5,
			start: basalt("on", { REDIS_URL: redisUrl }),
			startBaseline: () => startStatic(ctx, ctx.dataDirs.on),
			requests: { on: view(on.ids), off: staticView },
		},
		{
			name: "list, cached (memory)",
			baselineName: "uncached",
			start: basalt("on"),
			startBaseline: basalt("off"),
			requests: { on: list(categories), off: list(categories) },
		},
	];
	const results = [];
	for (const row of rows) {
		log(`--- ${row.name} vs ${row.baselineName}`);
		results.push(await measurePair(ctx, row));
	}
	console.log(
		`\n${settings.records} records, views cycling over 1000 ids, lists over 100 categories, ${settings.connections} connections, ${settings.slices} interleaved slices of ${settings.sliceSeconds} s per side (after ${settings.warmup} s warm-up each), Node ${process.version}\n`,
	);
	console.log(formatTable(results));
	const failures = findFailedRuns(results);
	if (failures.length > 0) {
		console.log("\n!!! SOME RUNS GOT ERRORS OR NON-2XX ANSWERS:");
		for (const failure of failures) console.log(`!!!   ${failure}`);
		process.exitCode = 1;
	}
	const below = results.filter(
		(r) => r.goal !== undefined && ratioOf(r) < r.goal,
	);
	if (below.length > 0)
		console.log(
			`\nbelow goal: ${below.map((r) => `${r.name} vs ${r.baselineName}`).join(", ")}`,
		);
}

const services = {};
// The redis-server child would keep this process alive: stopped once the report is out.
await runBenchmark(
	"cache",
	(children, workDir) => main(children, workDir, services),
	{
		kill: () => services.redis?.kill(),
		stop: () => services.redis?.stop(),
	},
);
