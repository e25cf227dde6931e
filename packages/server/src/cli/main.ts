#!/usr/bin/env node
import { Command } from "commander";
import { ConfigError } from "../core/config/index.js";
import { AppError } from "../core/errors/index.js";
import { coerceError } from "../tools/errors/index.js";
import { readBasaltVersion } from "../version.js";
import { addCertCommands } from "./cert.js";
import { CommandError } from "./command-error.js";
import { addDbCommands } from "./db.js";
import { addDoctorCommand } from "./doctor.js";
import { addKeyCommands } from "./keys.js";
import { addMigrateCommands } from "./migrate.js";
import { serve } from "./serve.js";
import { addSuperuserCommands } from "./superuser.js";
import { addTransferCommands } from "./transfer.js";
import { work } from "./worker.js";

/** Builds the `basalt` command line (docs/configuration.md#the-basalt-command). */
export function createProgram(): Command {
	const program = new Command("basalt")
		.description(
			"Basalt: a self-hosted backend server. Configuration comes from BASALT_* environment variables.",
		)
		.version(readBasaltVersion())
		.showHelpAfterError();
	program
		.command("serve")
		.description(
			"serve the API (default 127.0.0.1:8090, data in ./basalt_data)",
		)
		.action(serve);
	program
		.command("worker")
		.description(
			"run only the job worker (scale job work out on its own processes)",
		)
		.action(work);
	addSuperuserCommands(program);
	addTransferCommands(program);
	addMigrateCommands(program);
	addKeyCommands(program);
	addDoctorCommand(program);
	addCertCommands(program);
	addDbCommands(program);
	return program;
}

createProgram()
	.parseAsync(process.argv)
	.catch((err: unknown) => {
		// Errors a person can act on get one line; anything else its stack.
		const error = coerceError(err);
		const details =
			err instanceof AppError && err.errors
				? ` (${Object.entries(err.errors)
						.map(([k, v]) => `${k} ${v.message}`)
						.join("; ")})`
				: "";
		// A master key that does not open the key ring is found at start, not parse.
		process.stderr.write(
			err instanceof ConfigError
				? `basalt: invalid configuration: ${error.message}\n`
				: err instanceof AppError || err instanceof CommandError
					? `basalt: ${error.message}${details}\n`
					: `basalt: ${error.stack ?? error.message}\n`,
		);
		process.exit(1);
	});
