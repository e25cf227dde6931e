import type { TestProject } from "vitest/node";
import {
	findPostgresBin,
	type PostgresServer,
	startPostgres,
} from "./postgres-server.js";

declare module "vitest" {
	export interface ProvidedContext {
		/** URL of the run's PostgreSQL cluster; undefined when PostgreSQL is not installed. */
		postgresUrl: string | undefined;
	}
}

/**
 * Starts one PostgreSQL cluster for the whole run; every suite makes its own database
 * in it. Without PostgreSQL the PostgreSQL suites are skipped locally, and under
 * CI=true the run fails here instead (a skipped integration suite is a failure).
 */
export default async function setup(project: TestProject) {
	const bin = findPostgresBin();
	if (!bin) {
		if (process.env.CI === "true")
			throw new Error(
				"PostgreSQL binaries not found: CI must run the PostgreSQL suites",
			);
		project.provide("postgresUrl", undefined);
		return;
	}
	const server: PostgresServer = await startPostgres(bin);
	project.provide("postgresUrl", server.url);
	return async () => server.stop();
}
