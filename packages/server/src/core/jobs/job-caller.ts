import { isAppError } from "../errors/index.js";
import type { Caller } from "../model/index.js";
import { PermanentJobError } from "./job-types.js";

/**
 * The caller a job saved, as it is now (`currentCaller` re-reads the account, key or
 * client). A job acting for someone checks this before each step, so work never
 * outlives the access that started it; when that access has ended the job fails for
 * good, since retrying would not bring it back.
 */
export async function callerNow(
	deps: { currentCaller: (caller: Caller) => Promise<Caller> },
	caller: Caller,
): Promise<Caller> {
	try {
		return await deps.currentCaller(caller);
	} catch (err: unknown) {
		if (isAppError(err) && err.code === "INVALID_TOKEN")
			throw new PermanentJobError(
				`the access that started this job has ended: ${err.detail ?? err.message}`,
			);
		throw err;
	}
}
