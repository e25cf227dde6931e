import type { Command } from "commander";
import { withApp } from "./superuser.js";

/** Adds `basalt keys rotate`. */
export function addKeyCommands(program: Command): void {
	const keys = program
		.command("keys")
		.description("manage the keys Basalt signs access tokens with");
	keys
		.command("rotate")
		.description(
			"sign new access tokens with a new key; tokens signed by older keys stay valid until they expire",
		)
		.action(async () => {
			const kid = await withApp(async (app) => {
				const key = await app.keyRing.rotate();
				await app.audit.record({
					action: "keys.rotated",
					details: { kid: key.kid },
				});
				return key.kid;
			});
			process.stdout.write(`new signing key ${kid} is active\n`);
		});
}
