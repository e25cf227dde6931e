import { afterAll, beforeAll, describe, inject } from "vitest";
import type { Environment } from "../../src/index.js";
import {
	createTestApp,
	type DialectName,
	type TestApp,
	type TestAppOptions,
} from "./test-app.js";

/** Every dialect a data test must pass on (docs/architecture.md#tests). */
export const dialects: DialectName[] = ["sqlite", "postgres"];

/**
 * Declares a suite once per dialect, each with its own App and database. The body gets
 * a getter, since the App only exists once beforeAll has run.
 */
export function describeEachDialect(
	name: string,
	body: (t: () => TestApp) => void,
	env: Environment = {},
	options: TestAppOptions = {},
): void {
	for (const dialect of dialects) {
		const postgresUrl = inject("postgresUrl");
		const run =
			dialect === "postgres" && !postgresUrl ? describe.skip : describe;
		run(`${name} [${dialect}]`, () => {
			let testApp: TestApp | undefined;
			beforeAll(async () => {
				testApp = await createTestApp(dialect, postgresUrl, env, options);
			});
			afterAll(async () => {
				await testApp?.close();
			});
			body(() => {
				if (!testApp) throw new Error("test app not started");
				return testApp;
			});
		});
	}
}
