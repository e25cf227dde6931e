import type { Logger } from "../../tools/logger/index.js";
import type { ReadinessChecks } from "./area.js";

/** How long readiness waits for one part before calling it down. */
const READINESS_TIMEOUT_MS = 2000;

/**
 * Runs every readiness check at once and reports what is not ready, by part name
 * (docs/operations.md#health); empty when all is well. A check that throws or takes
 * longer than two seconds "does not answer", and is logged when a logger is given
 * (degradation checks pass none: each degraded part reports its own outage once).
 */
export async function checkReadiness(
	checks: ReadinessChecks,
	logger?: Logger,
): Promise<Record<string, string>> {
	const failing: Record<string, string> = {};
	await Promise.all(
		Object.entries(checks).map(async ([name, check]) => {
			try {
				const problem = await withinReadinessTimeout(check);
				if (problem !== undefined) failing[name] = problem;
			} catch (err: unknown) {
				logger?.warn({ err, part: name }, "readiness: a part is down");
				failing[name] = `${name} does not answer`;
			}
		}),
	);
	return failing;
}

/** Runs `check`, failing it when it takes longer than READINESS_TIMEOUT_MS. */
async function withinReadinessTimeout<T>(check: () => Promise<T>): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new Error("no answer in time")),
			READINESS_TIMEOUT_MS,
		);
	});
	try {
		return await Promise.race([check(), timeout]);
	} finally {
		clearTimeout(timer);
	}
}
