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
		// Test files share a worker's module cache instead of importing the server
		// afresh per file: Basalt keeps no module-level state (every part hangs off an
		// App), and a full run spent 128 s of 728 s collecting modules, 13 s without.
		isolate: false,
		// Except the early-answer suite, which times how fast its own HTTP client reads
		// a 413 against the server's two-second linger: in the shared worker (a larger
		// heap, longer pauses) one try in twenty lost the race in two runs of three.
		poolMatchGlobs: [["test/api/early-answers.test.ts", "threads"]],
	},
});
