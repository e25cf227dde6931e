import { createApp, parseConfig } from "../../packages/server/dist/index.js";
import { createLogger } from "../../packages/server/dist/tools/logger/index.js";

/**
 * Creates a Basalt App in this process on `dataDir`, configured by `env` on top of the
 * benchmark's defaults (warn logging, 10 ms polls: BASALT_JOB_POLL_MS allows no
 * less). Logs go to stderr, so stdout carries only the child's result line.
 */
export async function openBasalt(dataDir, env) {
	const config = parseConfig(
		{
			BASALT_DATA_DIR: dataDir,
			BASALT_LOG_LEVEL: "warn",
			BASALT_JOB_POLL_MS: "10",
			...env,
		},
		{ cwd: process.cwd(), stdoutIsTty: false },
	);
	const logger = createLogger({
		level: config.logs.level,
		format: "json",
		destination: process.stderr,
	});
	return createApp(config, { logger });
}
