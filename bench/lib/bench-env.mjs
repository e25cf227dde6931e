// What every benchmark script shares: reading its knobs and writing progress.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { outputOf } from "./child-processes.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** Reads a knob that must be a positive whole number; `fallback` when unset. */
export function positiveInt(env, name, fallback) {
	const value = Number(env[name] ?? fallback);
	if (!Number.isInteger(value) || value < 1)
		throw new Error(`${name} must be a positive whole number`);
	return value;
}

/** Writes a progress line to stderr, so stdout carries only the report. */
export function log(message) {
	process.stderr.write(`${message}\n`);
}

/**
 * Runs autocannon (load.mjs) in its own process against `url` (or an array of URLs
 * sharing the connections) with `settings` (connections, duration, warm-up) and
 * returns its summary, logging one line.
 */
export async function runLoad(
	children,
	settings,
	workDir,
	label,
	url,
	requests,
) {
	const specFile = path.join(workDir, `load-${label}.json`);
	writeFileSync(
		specFile,
		JSON.stringify({
			// Several URLs split the connections between them (load.mjs).
			...(Array.isArray(url) ? { urls: url } : { url }),
			connections: settings.connections,
			duration: settings.duration,
			warmup: settings.warmup,
			requests,
		}),
	);
	const child = children.start(
		`autocannon ${label}`,
		path.join(BENCH_DIR, "load.mjs"),
		[specFile],
		{},
	);
	const summary = JSON.parse(await outputOf(child));
	log(
		`${label.padEnd(22)} ${Math.round(summary.reqPerSec)} req/s, p50 ${summary.p50.toFixed(2)} ms, p99 ${summary.p99.toFixed(2)} ms`,
	);
	return summary;
}
