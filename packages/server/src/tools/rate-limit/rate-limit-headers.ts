import type { RateLimitDecision } from "./rate-limiter.js";

/**
 * Builds the response headers for a decision: `RateLimit-Limit`,
 * `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy` as
 * draft-ietf-httpapi-ratelimit-headers-06 defines them (the reset in seconds from
 * now, not a timestamp, so client clock skew does not matter; the policy as
 * `limit;w=seconds`), and `Retry-After` in seconds (RFC 9110 §10.2.3) when the
 * request is refused. `now` must be the time the decision was made with.
 *
 * @example
 * reply.code(429).headers(rateLimitHeaders(decision));
 * // RateLimit-Limit: 10, RateLimit-Remaining: 0, RateLimit-Reset: 42,
 * // RateLimit-Policy: 10;w=60, Retry-After: 42
 */
export function rateLimitHeaders(
	decision: RateLimitDecision,
	now: number = Date.now(),
): Record<string, string> {
	const headers: Record<string, string> = {
		"RateLimit-Limit": String(decision.limit),
		"RateLimit-Remaining": String(decision.remaining),
		"RateLimit-Reset": String(
			Math.max(0, Math.ceil((decision.resetAt - now) / 1000)),
		),
		"RateLimit-Policy": `${decision.limit};w=${Math.ceil(decision.windowMs / 1000)}`,
	};
	if (!decision.allowed)
		headers["Retry-After"] = String(decision.retryAfterSeconds);
	return headers;
}
