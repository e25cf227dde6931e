import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		globalSetup: ["test/helpers/global-setup.ts"],
		reporters: ["default", "./test/helpers/summary-reporter.ts"],
		pool: "forks",
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Suites have their own databases and data dirs, so files run in parallel.
		fileParallelism: true,
	},
});
