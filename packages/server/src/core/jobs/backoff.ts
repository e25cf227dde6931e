/**
 * The wait before attempt `attempt + 1` after attempt `attempt` failed: exponential
 * (base, 2 × base, 4 × base …, at most `maxMs`) with "equal jitter" (half fixed, half
 * random), so failed jobs of one burst do not all come back at the same instant
 * (aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter).
 */
export function backoffDelay(
	attempt: number,
	baseMs = 1000,
	maxMs = 3_600_000,
	random = Math.random,
): number {
	const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(exponential / 2 + random() * (exponential / 2));
}
