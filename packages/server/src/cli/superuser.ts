import type { Command } from "commander";
import { createApp } from "../index.js";
import { createLogger } from "../tools/logger/index.js";
import { loadConfigOrExit } from "./load-config.js";

/** Runs one piece of CLI work on a started App, and closes it. */
export async function withApp<T>(
	work: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>,
): Promise<T> {
	const config = loadConfigOrExit();
	const app = await createApp(config, {
		logger: createLogger({ level: "warn", format: "json" }),
	});
	try {
		return await work(app);
	} finally {
		await app.close();
	}
}

/** Adds `basalt superuser create|update|delete`. */
export function addSuperuserCommands(program: Command): void {
	const superuser = program
		.command("superuser")
		.description("manage superusers (full access to everything)");
	superuser
		.command("create")
		.description("create a superuser")
		.argument("<email>", "the superuser's email")
		.argument("<password>", "at least 8 characters")
		.action(async (email: string, password: string) => {
			const created = await withApp((app) =>
				app.superusers.create(email, password),
			);
			process.stdout.write(
				`created superuser ${created.email} (${created.id})\n`,
			);
		});
	superuser
		.command("update")
		.description("set a superuser's password (signs out all of their sessions)")
		.argument("<email>")
		.argument("<password>")
		.action(async (email: string, password: string) => {
			await withApp((app) => app.superusers.setPassword(email, password));
			process.stdout.write(`updated superuser ${email}\n`);
		});
	superuser
		.command("delete")
		.description("delete a superuser")
		.argument("<email>")
		.action(async (email: string) => {
			await withApp((app) => app.superusers.remove(email));
			process.stdout.write(`deleted superuser ${email}\n`);
		});
}
