import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Prints the last line CI reads: `N passed, N failed`. Under CI=true a skipped test
 * counts as failed, so an integration suite that quietly skips cannot pass CI.
 */
export default class SummaryReporter implements Reporter {
	onTestRunEnd(
		modules: ReadonlyArray<TestModule>,
		unhandledErrors: ReadonlyArray<SerializedError>,
	) {
		const strict = process.env.CI === "true";
		let passed = 0;
		let failed = unhandledErrors.length;
		for (const module of modules) {
			let count = 0;
			for (const test of module.children.allTests()) {
				count += 1;
				const state = test.result().state;
				if (state === "passed") passed += 1;
				else if (
					state === "failed" ||
					(strict && (state === "skipped" || state === "pending"))
				)
					failed += 1;
			}
			// A file that failed to load has no tests to count, but it did fail.
			if (count === 0 || module.errors().length > 0)
				failed += module.state() === "failed" ? 1 : 0;
		}
		// Printed as the process exits, after every other reporter's summary, so it is
		// the last line (writes to pipes and terminals are synchronous on Linux).
		const line = `${passed} passed, ${failed} failed\n`;
		process.once("exit", () => process.stdout.write(line));
	}
}
