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
			let failedHere = 0;
			for (const test of module.children.allTests()) {
				const state = test.result().state;
				if (state === "passed") passed += 1;
				else if (
					state === "failed" ||
					(strict && (state === "skipped" || state === "pending"))
				)
					failedHere += 1;
			}
			// A file that failed to load, or whose beforeAll failed, may have no failed
			// test to count (its tests are skipped), but it did fail.
			if (failedHere === 0 && module.state() === "failed") failedHere = 1;
			failed += failedHere;
		}
		// Printed as the process exits, after every other reporter's summary, so it is
		// the last line (writes to pipes and terminals are synchronous on Linux).
		const line = `${passed} passed, ${failed} failed\n`;
		process.once("exit", () => process.stdout.write(line));
	}
}
