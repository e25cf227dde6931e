import { type Config, ConfigError, parseConfig } from "../core/config/index.js";

/**
 * Reads the configuration from this process's environment. An invalid value prints one
 * line naming the variable and exits 1
 * (docs/configuration.md#configuration-and-the-command-line): no stack trace.
 */
export function loadConfigOrExit(): Config {
	try {
		return parseConfig(process.env, {
			cwd: process.cwd(),
			stdoutIsTty: Boolean(process.stdout.isTTY),
		});
	} catch (err: unknown) {
		if (err instanceof ConfigError) {
			process.stderr.write(`basalt: invalid configuration: ${err.message}\n`);
			process.exit(1);
		}
		throw err;
	}
}
