import type { Command } from "commander";
import { migrateDown, migrateUp, migrationStatus } from "../core/db/index.js";
import { openDatabase } from "../index.js";
import { createLogger } from "../tools/logger/index.js";
import { loadConfigOrExit } from "./load-config.js";

async function withDatabase(
	work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>,
): Promise<void> {
	const config = loadConfigOrExit();
	const db = await openDatabase(
		config,
		createLogger({ level: "warn", format: "json" }),
	);
	try {
		await work(db);
	} finally {
		await db.close();
	}
}

/** Adds `basalt migrate up|down|status` for the system migrations. */
export function addMigrateCommands(program: Command): void {
	const migrate = program
		.command("migrate")
		.description("apply, revert or list system migrations");
	migrate
		.command("up")
		.description("apply every pending migration")
		.action(() =>
			withDatabase(async (db) => {
				const applied = await migrateUp(db);
				process.stdout.write(
					applied.length
						? `applied: ${applied.join(", ")}\n`
						: "already up to date\n",
				);
			}),
		);
	migrate
		.command("down")
		.description(
			"revert the newest migration (drops its tables: back up first)",
		)
		.action(() =>
			withDatabase(async (db) => {
				const reverted = await migrateDown(db);
				process.stdout.write(
					reverted.length
						? `reverted: ${reverted.join(", ")}\n`
						: "nothing to revert\n",
				);
			}),
		);
	migrate
		.command("status")
		.description("list migrations and when they were applied")
		.action(() =>
			withDatabase(async (db) => {
				for (const m of await migrationStatus(db)) {
					process.stdout.write(
						`${m.appliedAt ? m.appliedAt.toISOString() : "pending                 "}  ${m.name}\n`,
					);
				}
			}),
		);
}
