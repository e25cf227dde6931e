import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createLogger } from "../../src/tools/logger/index.js";
import { captureLogLines } from "../helpers/log-capture.js";
import { createTestApp, type DialectName } from "../helpers/test-app.js";
import { createFuzzWorld } from "./fuzz-fixture.js";
import { type FuzzReport, runFuzz, sweepRules } from "./fuzz-run.js";

/*
 * One dialect's whole fuzz run, from a fresh App to its verdicts: the requests and
 * their failures, the rule sweep, unhandled rejections, errors the server logged and
 * resident memory. It imports no vitest, so fuzz-child.ts can run it in a process of
 * its own, and its result is plain JSON.
 */

/** What one dialect's run found. */
export interface DialectFuzzResult extends FuzzReport {
	dialect: DialectName;
	/** The rule sweep's problems (rule-oracle.ts). */
	sweep: string[];
	/** Unhandled rejections during the run, as text. */
	rejections: string[];
	/** Lines the server logged at level error, as JSON text. */
	loggedErrors: string[];
	/**
	 * Resident memory and live JS heap after a full GC, in MiB: before, half way and
	 * after the run. A GC every twentieth of the run keeps V8 from holding on to pages
	 * it no longer needs, so the figures follow live memory rather than GC timing.
	 */
	rss: { before: number; half: number; after: number };
	heap: { before: number; half: number; after: number };
}

/** The settings of one dialect's run. */
export interface DialectFuzzOptions {
	dialect: DialectName;
	postgresUrl: string | undefined;
	seed: number;
	runs: number;
}

/** Resident memory and live heap after a full GC (no --expose-gc needed), in MiB. */
function memoryMiB(): { rss: number; heap: number } {
	setFlagsFromString("--expose-gc");
	(runInNewContext("gc") as () => void)();
	const { rss, heapUsed } = process.memoryUsage();
	return { rss: rss / 2 ** 20, heap: heapUsed / 2 ** 20 };
}

/** Builds an App and its fixture, sends the run's requests, and reports. */
export async function fuzzDialect(
	options: DialectFuzzOptions,
): Promise<DialectFuzzResult> {
	const errors = captureLogLines();
	const t = await createTestApp(
		options.dialect,
		options.postgresUrl,
		// Webhooks go to a sink on this machine; OAuth2 providers are never reached.
		{ BASALT_SSRF_ALLOW: "127.0.0.1/32", BASALT_OAUTH2_TIMEOUT_MS: "500" },
		{
			logger: createLogger({
				level: "error",
				format: "json",
				destination: errors.stream,
			}),
		},
	);
	const world = await createFuzzWorld(t);
	t.app.jobs.startWorker();
	const rejections: string[] = [];
	const onRejection = (reason: unknown) =>
		rejections.push(
			reason instanceof Error ? `${reason.stack}` : String(reason),
		);
	process.on("unhandledRejection", onRejection);
	try {
		const before = memoryMiB();
		let half = before;
		let nextReading = options.runs / 20;
		const report = await runFuzz({
			t,
			world,
			seed: options.seed,
			runs: options.runs,
			afterBatch: (soFar) => {
				if (soFar.requests < nextReading) return;
				nextReading += options.runs / 20;
				const now = memoryMiB();
				if (soFar.requests <= options.runs / 2) half = now;
			},
		});
		const after = memoryMiB();
		return {
			...report,
			dialect: options.dialect,
			sweep: await sweepRules(t, world),
			rejections,
			loggedErrors: errors.lines
				.filter((line) => line.level === "error")
				.map((line) => JSON.stringify(line).slice(0, 2000)),
			rss: { before: before.rss, half: half.rss, after: after.rss },
			heap: { before: before.heap, half: half.heap, after: after.heap },
		};
	} finally {
		process.off("unhandledRejection", onRejection);
		await world.stop();
		await t.close();
	}
}
