import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Finds a server binary the integration suites start (redis-server, memcached,
 * caddy): in /usr/bin, else on PATH. Without it a suite is skipped locally, and under
 * CI=true this throws instead, since a skipped integration suite is a failure.
 */
export function findBinary(name: string, suites: string): string | undefined {
	const bin = existsSync(`/usr/bin/${name}`)
		? `/usr/bin/${name}`
		: onPath(name);
	if (!bin && process.env.CI === "true")
		throw new Error(`${name} not found: CI must run the ${suites} suites`);
	return bin;
}

function onPath(name: string): string | undefined {
	try {
		const found = execFileSync("sh", ["-c", `command -v ${name}`], {
			encoding: "utf8",
		}).trim();
		return found || undefined;
	} catch {
		return undefined;
	}
}
