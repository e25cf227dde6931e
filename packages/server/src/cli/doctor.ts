import type { Command } from "commander";
import { reviewSecurity } from "../core/config/index.js";
import { loadConfigOrExit } from "./load-config.js";

/**
 * Adds `basalt doctor`: reviews the configuration of this environment for insecure
 * settings and prints each with its fix (docs/security.md#basalt-doctor). Exits 1
 * when it found any, so a deployment script can stop on it.
 */
export function addDoctorCommand(program: Command): void {
	program
		.command("doctor")
		.description(
			"report insecure settings of this environment, with the fix for each",
		)
		.action(() => {
			const findings = reviewSecurity(loadConfigOrExit());
			if (findings.length === 0) {
				process.stdout.write("basalt doctor: no insecure setting found\n");
				return;
			}
			const lines = [
				`basalt doctor: ${findings.length} insecure setting${findings.length === 1 ? "" : "s"}`,
			];
			for (const finding of findings)
				lines.push(
					"",
					`[${finding.id}] ${finding.problem}`,
					`  fix: ${finding.fix}`,
				);
			process.stdout.write(`${lines.join("\n")}\n`);
			process.exitCode = 1;
		});
}
