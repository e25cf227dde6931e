/**
 * Reports an outbound URL the SSRF guard refused.
 *
 * `reason` is written for the person who configured the URL (a webhook owner, an
 * OAuth provider's admin) and is safe to send back: it names the rule and at most
 * the offending address, never an internal detail. `cause` (a DNS error, say) is
 * for the log only.
 *
 * @example throw new SsrfError("only http and https URLs are allowed");
 */
export class SsrfError extends Error {
	/** Why the URL was refused, in one lower-case clause safe to show a client. */
	readonly reason: string;

	constructor(reason: string, options: { cause?: unknown } = {}) {
		super(`outbound request refused: ${reason}`, { cause: options.cause });
		this.name = "SsrfError";
		this.reason = reason;
	}
}

/** Tells whether a value is an SsrfError. */
export function isSsrfError(value: unknown): value is SsrfError {
	return value instanceof SsrfError;
}
