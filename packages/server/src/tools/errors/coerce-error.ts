/** Turns anything thrown into an Error, so `catch (err: unknown)` code can read it. */
export function coerceError(err: unknown): Error {
	if (err instanceof Error) return err;
	if (typeof err === "string") return new Error(err);
	try {
		return new Error(`Non-error thrown: ${JSON.stringify(err)}`);
	} catch {
		return new Error("Non-error thrown");
	}
}
