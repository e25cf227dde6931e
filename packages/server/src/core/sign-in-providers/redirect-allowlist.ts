/**
 * The app URLs a sign-in may return to. Matching is exact on origin and path
 * (`https://app.example/auth` allows neither `https://app.example/auth/x` nor
 * `https://evil.example/auth`), so Basalt is no open redirect; the app may add its
 * own query, which is kept.
 */

/** Returns the redirect as a URL when an allowed entry has its origin and path; else undefined. */
export function matchRedirect(
	allowed: readonly string[],
	requested: string,
): URL | undefined {
	let url: URL;
	try {
		url = new URL(requested);
	} catch {
		return undefined;
	}
	if (url.hash || url.username || url.password) return undefined;
	const matches = allowed.some((entry) => {
		const allowedUrl = new URL(entry);
		return (
			allowedUrl.origin === url.origin && allowedUrl.pathname === url.pathname
		);
	});
	return matches ? url : undefined;
}

/** The parameters Basalt answers with; the app's own query may not carry them. */
const ANSWER_PARAMS = ["code", "error", "providerError", "state"];

/**
 * Builds the URL the browser is sent back to: the app's redirect with the given
 * parameters set (a `code`, or an `error` code, and the app's `state`). Answer
 * parameters the redirect already had are dropped first, so nobody can start a
 * sign-in whose failure reaches the app with a `code` of their choosing.
 */
export function appRedirect(
	redirect: string,
	params: Record<string, string | undefined>,
): string {
	const url = new URL(redirect);
	for (const name of ANSWER_PARAMS) url.searchParams.delete(name);
	for (const [name, value] of Object.entries(params))
		if (value !== undefined) url.searchParams.set(name, value);
	return url.href;
}
