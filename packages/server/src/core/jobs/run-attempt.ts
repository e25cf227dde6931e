import { coerceError } from "../../tools/errors/index.js";
import {
	type Job,
	type JobDefinition,
	PermanentJobError,
} from "./job-types.js";
import type { AttemptResult } from "./queue-driver.js";

/** How one attempt ended. */
export type AttemptOutcome =
	| { ok: true; result: unknown }
	| { ok: false; error: string; permanent: boolean };

/** What runAttempt needs besides the job. */
export interface AttemptHooks {
	attempt: number;
	/** Aborts the attempt from outside: worker stop or a lost lease. */
	stop: AbortSignal;
	reportProgress(progress: unknown): Promise<void>;
}

/** The error of a job whose last attempt died with its worker (every driver says it so). */
export const LEASE_EXPIRED =
	"its worker stopped before it finished (the lease expired)";

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_ERROR_LENGTH = 2000;

/**
 * Runs one attempt of a job under its definition's time limit. A handler that throws,
 * returns something that is not JSON, or never settles (the timeout wins the race)
 * is a failed attempt, never an unhandled error: the worker keeps running.
 */
export async function runAttempt(
	definition: JobDefinition,
	job: Job,
	hooks: AttemptHooks,
): Promise<AttemptOutcome> {
	const controller = new AbortController();
	const onStop = () => controller.abort(hooks.stop.reason);
	hooks.stop.addEventListener("abort", onStop, { once: true });
	const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	let timer: NodeJS.Timeout | undefined;
	const aborted = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)),
			timeoutMs,
		);
		controller.signal.addEventListener(
			"abort",
			() => reject(coerceError(controller.signal.reason)),
			{ once: true },
		);
	});
	aborted.catch(() => {});
	try {
		const work = definition.handler({
			job,
			attempt: hooks.attempt,
			signal: controller.signal,
			reportProgress: hooks.reportProgress,
		});
		const value = await Promise.race([work, aborted]);
		return { ok: true, result: jsonResult(value) };
	} catch (err: unknown) {
		const error = coerceError(err);
		return {
			ok: false,
			error: error.message.slice(0, MAX_ERROR_LENGTH) || error.name,
			permanent: error instanceof PermanentJobError,
		};
	} finally {
		clearTimeout(timer);
		hooks.stop.removeEventListener("abort", onStop);
		if (!controller.signal.aborted)
			controller.abort(new Error("attempt finished"));
	}
}

/**
 * Tells how an attempt left its job, by the rule both drivers follow: a failure is
 * final when it is permanent or the job has used its last attempt.
 */
export function attemptResultOf(
	job: Job,
	outcome: AttemptOutcome,
): AttemptResult {
	if (outcome.ok) return "completed";
	return outcome.permanent || job.attempts >= job.maxAttempts
		? "failed"
		: "retried";
}

/** The stored form of a handler's result: JSON, or an error if it is not JSON. */
function jsonResult(value: unknown): unknown {
	if (value === undefined) return null;
	const text = JSON.stringify(value);
	if (text === undefined) throw new Error("the handler's result is not JSON");
	return JSON.parse(text);
}
