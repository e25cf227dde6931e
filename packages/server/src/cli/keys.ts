import type { Command } from "commander";
import { withApp } from "./superuser.js";

/** Adds `basalt keys rotate | list | retire` (docs/security.md#key-rotation). */
export function addKeyCommands(program: Command): void {
	const keys = program
		.command("keys")
		.description(
			"manage the data keys that encrypt fields and seal secrets, and the keys access tokens are signed with",
		);
	keys
		.command("rotate")
		.description(
			"add a data key and a signing key; a background job re-encrypts every value under the new data key, and tokens signed by older keys stay valid until they expire",
		)
		.action(async () => {
			const done = await withApp(async (app) => {
				// The data key first, so the new signing key is sealed with it.
				const data = await app.keys.rotate();
				const signing = await app.keyRing.rotate();
				await app.audit.record({
					action: "keys.rotated",
					details: {
						kid: signing.kid,
						dataKey: data.keyId,
						job: data.job.id,
					},
				});
				return { kid: signing.kid, ...data };
			});
			process.stdout.write(
				`new signing key ${done.kid} is active\nnew data key ${done.keyId} is active; re-encryption job ${done.job.id} is queued (follow it with \`basalt keys list\` or GET /api/v1/jobs/${done.job.id})\n`,
			);
		});
	keys
		.command("list")
		.description(
			"list the data keys, and how many stored values each one still seals",
		)
		.action(async () => {
			const status = await withApp((app) => app.keys.status());
			for (const key of status)
				process.stdout.write(
					`${key.id}  ${key.active ? "active" : "old   "}  created ${key.created}  ${key.values} values\n`,
				);
		});
	keys
		.command("retire")
		.argument("<id>", "a data key from `basalt keys list`")
		.description(
			"remove a data key that is not active and seals no stored value any more",
		)
		.action(async (id: string) => {
			await withApp(async (app) => {
				await app.keys.retire(id);
				await app.audit.record({
					action: "keys.retired",
					details: { dataKey: id },
				});
			});
			process.stdout.write(`data key ${id} is removed from the key ring\n`);
		});
}
