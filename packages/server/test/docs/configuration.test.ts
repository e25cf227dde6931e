import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config/index.js";

const doc = readFileSync(
	path.join(import.meta.dirname, "../../../../docs/configuration.md"),
	"utf8",
);
/** The variables docs/configuration.md's table names in its first column. */
const documented = new Set(
	doc
		.split("\n")
		.filter((line) => line.startsWith("| `"))
		.flatMap((line) =>
			[...(line.split("|")[1] ?? "").matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map(
				(m) => m[1] as string,
			),
		),
);

/** Every variable parseConfig reads from `env`, found by watching its reads. */
function variablesRead(env: Record<string, string>): Set<string> {
	const read = new Set<string>();
	const watched = new Proxy(env, {
		get(target, name) {
			if (typeof name === "string") read.add(name);
			return target[name as string];
		},
	});
	parseConfig(watched, { cwd: "/srv", stdoutIsTty: false });
	return read;
}

// The configuration and its reference page must agree, so a variable added to the
// code without a line in docs/configuration.md (or a line left after its variable
// went) fails here.
describe("docs/configuration.md", () => {
	// Tracing reads its other variables only once an endpoint turns it on.
	const read = new Set([
		...variablesRead({}),
		...variablesRead({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }),
	]);

	it("documents every variable the configuration reads", () => {
		for (const name of read)
			expect(documented.has(name), `${name} in docs/configuration.md`).toBe(
				true,
			);
	});

	it("documents no variable the configuration does not read", () => {
		for (const name of documented)
			expect(read.has(name), `${name} is read by parseConfig`).toBe(true);
	});

	it("found the table", () => {
		expect(documented.size).toBeGreaterThan(50);
	});
});
