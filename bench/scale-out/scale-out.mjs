// `npm run bench:scale-out`: what a second `basalt serve` node adds on PostgreSQL and
// Redis. The same read-heavy mix against one node, then split between two nodes, in
// the same run, interleaved. See bench/scale-out/README.md.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { createIdGenerator } from "../../packages/server/dist/tools/ids/index.js";
import { BASALT_MAIN, SUPERUSER } from "../lib/basalt-server.mjs";
import { createItemsCollection } from "../lib/basalt-setup.mjs";
import { log, positiveInt, runLoad } from "../lib/bench-env.mjs";
import { freePort, runBenchmark, waitReady } from "../lib/child-processes.mjs";
import {
	findPostgresBin,
	startPostgresServer,
} from "../lib/postgres-server.mjs";
import { cpuMicrosOf } from "../lib/process-cpu.mjs";
import { startRedisServer } from "../lib/redis-server.mjs";
import { sliceTotal } from "../lib/rounds.mjs";

const REDIS_BIN = process.env.BENCH_REDIS_SERVER ?? "/usr/bin/redis-server";
const RECORDS = "/api/v1/collections/items/records";
const CATEGORIES = 100;

function readSettings(env) {
	const int = (name, fallback) => positiveInt(env, name, fallback);
	return {
		connections: int("BENCH_CONNECTIONS", 50),
		warmup: int("BENCH_WARMUP", 5),
		records: int("BENCH_RECORDS", 100_000),
		slices: int("BENCH_SLICES", 4),
		sliceSeconds: int("BENCH_SLICE_SECONDS", 3),
	};
}

/** Seeds `count` rows into the `items` table Basalt created, 1000 per statement. */
async function seedItems(databaseUrl, count) {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	const nextId = createIdGenerator();
	const sample = [];
	try {
		for (let start = 0; start < count; start += 1000) {
			const values = [];
			const params = [];
			for (let i = start; i < Math.min(count, start + 1000); i++) {
				const id = nextId();
				const now = new Date().toISOString();
				const at = params.length;
				values.push(
					`($${at + 1}, $${at + 2}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`,
				);
				params.push(
					id,
					now,
					`item ${i}`,
					`c${i % CATEGORIES}`,
					(i * 7919) % 1000,
				);
				if (i % Math.max(1, Math.floor(count / 1000)) === 0) sample.push(id);
			}
			await client.query(
				`INSERT INTO items (id, created, updated, title, category, score) VALUES ${values.join(", ")}`,
				params,
			);
		}
		await client.query("ANALYZE items");
	} finally {
		await client.end();
	}
	return sample;
}

/**
 * The read-heavy mix each connection cycles through: 17 views (over real ids), 2
 * lists (by category) and 1 create in 20 requests, so 85% views, 10% lists, 5% writes.
 */
function readHeavyMix(ids) {
	const requests = [];
	for (let i = 0; i < 20 * 50; i++) {
		const step = i % 20;
		if (step === 7 || step === 17) {
			const filter = encodeURIComponent(`category="c${i % CATEGORIES}"`);
			requests.push({
				method: "GET",
				path: `${RECORDS}?filter=${filter}&perPage=30&skipTotal=1`,
			});
		} else if (step === 19) {
			requests.push({
				method: "POST",
				path: RECORDS,
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ title: "new", category: "created", score: 1 }),
			});
		} else {
			requests.push({
				method: "GET",
				path: `${RECORDS}/${ids[i % ids.length]}`,
			});
		}
	}
	return requests;
}

async function startNode(children, env, name) {
	const port = await freePort();
	const child = children.start(name, BASALT_MAIN, ["serve"], {
		...env,
		BASALT_PORT: String(port),
	});
	const url = `http://127.0.0.1:${port}`;
	await waitReady(url, child);
	return { child, url };
}

/** The host's busy and total CPU time so far, in clock ticks, from /proc/stat. */
function hostCpu() {
	try {
		const fields = readFileSync("/proc/stat", "utf8")
			.split("\n")[0]
			.trim()
			.split(/\s+/)
			.slice(1)
			.map(Number);
		const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
		const total = fields.reduce((a, b) => a + b, 0);
		return { busy: total - idle, total };
	} catch {
		return undefined;
	}
}

async function main(children, workDir, services) {
	const settings = readSettings(process.env);
	const pgBin = findPostgresBin();
	if (!pgBin) throw new Error("no PostgreSQL binaries (initdb, pg_ctl) found");
	services.postgres = await startPostgresServer(pgBin, await freePort());
	services.redis = await startRedisServer(REDIS_BIN, await freePort());
	const admin = new pg.Client({ connectionString: services.postgres.url });
	await admin.connect();
	await admin.query("CREATE DATABASE basalt_bench");
	await admin.end();
	const databaseUrl = services.postgres.url.replace(
		/\/postgres$/,
		"/basalt_bench",
	);
	const env = {
		DATABASE_URL: databaseUrl,
		REDIS_URL: services.redis.url,
		BASALT_DATA_DIR: path.join(workDir, "data"),
		BASALT_MASTER_KEY: randomBytes(32).toString("base64"),
		BASALT_LOG_LEVEL: "warn",
		BASALT_SHUTDOWN_DELAY_MS: "0",
		BASALT_SUPERUSER_EMAIL: SUPERUSER.email,
		BASALT_SUPERUSER_PASSWORD: SUPERUSER.password,
	};
	const a = await startNode(children, env, "basalt-a");
	await createItemsCollection(a.url, SUPERUSER);
	const started = Date.now();
	const ids = await seedItems(databaseUrl, settings.records);
	log(`seeded ${settings.records} records in ${Date.now() - started} ms`);
	const b = await startNode(children, env, "basalt-b");
	const requests = readHeavyMix(ids);
	const sides = { one: [a.url], two: [a.url, b.url] };
	const load = (which, duration) =>
		runLoad(
			children,
			{ connections: settings.connections, duration, warmup: 0 },
			workDir,
			`${which}-node${which === "one" ? "" : "s"}`,
			sides[which],
			requests,
		);
	for (const which of ["one", "two"]) await load(which, settings.warmup);
	const slices = { one: [], two: [] };
	const cpu = { one: [], two: [] };
	for (let i = 0; i < settings.slices; i++)
		for (const which of i % 2 === 0 ? ["one", "two"] : ["two", "one"]) {
			const host = hostCpu();
			const nodes = [a, b].map((n) => cpuMicrosOf(n.child.pid));
			slices[which].push(await load(which, settings.sliceSeconds));
			const hostAfter = hostCpu();
			const nodesAfter = [a, b].map((n) => cpuMicrosOf(n.child.pid));
			if (host && hostAfter && nodes.every((n) => n !== undefined))
				cpu[which].push({
					host: (hostAfter.busy - host.busy) / (hostAfter.total - host.total),
					nodes: nodesAfter.map(
						(n, k) => (n - nodes[k]) / (settings.sliceSeconds * 1e6),
					),
				});
		}
	report(
		settings,
		{ one: sliceTotal(slices.one), two: sliceTotal(slices.two) },
		cpu,
	);
}

function report(settings, totals, cpu) {
	const mean = (list, pick) =>
		list.reduce((sum, item) => sum + pick(item), 0) / list.length;
	console.log(
		`\n${settings.records} records on PostgreSQL + Redis, read-heavy mix (85% views, 10% lists, 5% creates), ${settings.connections} connections split evenly between the nodes, ${settings.slices} interleaved slices of ${settings.sliceSeconds} s per side (after ${settings.warmup} s warm-up each), Node ${process.version}\n`,
	);
	const rows = [
		[
			"nodes",
			"req/s",
			"p50 ms",
			"p99 ms",
			"host CPU busy",
			"CPU of node A",
			"CPU of node B",
		],
	];
	for (const [which, label] of [
		["one", "1"],
		["two", "2"],
	]) {
		const t = totals[which];
		const c = cpu[which];
		const pct = (x) => `${Math.round(100 * x)}%`;
		rows.push([
			label,
			Math.round(t.reqPerSec).toLocaleString("en-US"),
			t.p50.toFixed(2),
			t.p99.toFixed(2),
			c.length ? pct(mean(c, (s) => s.host)) : "-",
			c.length ? pct(mean(c, (s) => s.nodes[0])) : "-",
			c.length ? pct(mean(c, (s) => s.nodes[1])) : "-",
		]);
	}
	const widths = rows[0].map((_, i) =>
		Math.max(...rows.map((r) => r[i].length)),
	);
	for (const row of rows)
		console.log(row.map((cell, i) => cell.padStart(widths[i])).join("  "));
	console.log(
		`\n2 nodes / 1 node: ${(totals.two.reqPerSec / totals.one.reqPerSec).toFixed(2)}x`,
	);
	const failed = ["one", "two"].filter(
		(w) => totals[w].errors + totals[w].timeouts + totals[w].non2xx > 0,
	);
	if (failed.length > 0) {
		console.log(
			`\n!!! RUNS WITH ERRORS OR NON-2XX ANSWERS (${failed.join(", ")}): ${failed
				.map((w) => JSON.stringify(totals[w].statusCodes))
				.join(" ")}`,
		);
		process.exitCode = 1;
	}
}

const services = {};
await runBenchmark(
	"scale-out",
	(children, workDir) => main(children, workDir, services),
	{
		kill: () => {
			services.redis?.kill();
			services.postgres?.kill();
		},
		// The redis-server child would keep this process alive after the report.
		stop: async () => {
			await services.redis?.stop();
			services.postgres?.kill();
		},
	},
);
