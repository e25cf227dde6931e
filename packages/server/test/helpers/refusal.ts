import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs `promise`, which must reject within `withinMs`, and returns what it rejected
 * with: a refused connection must be an error, neither a success nor a hang.
 */
export async function refusalOf(
	promise: Promise<unknown>,
	withinMs = 10_000,
): Promise<Error> {
	const outcome = await Promise.race([
		promise.then(
			() => ({ kind: "resolved" as const }),
			(err: unknown) => ({ kind: "rejected" as const, err }),
		),
		sleep(withinMs, { kind: "hung" as const }, { ref: false }),
	]);
	if (outcome.kind !== "rejected")
		throw new Error(
			`expected a refusal within ${withinMs} ms, got ${outcome.kind}`,
		);
	return outcome.err instanceof Error
		? outcome.err
		: new Error(String(outcome.err));
}
