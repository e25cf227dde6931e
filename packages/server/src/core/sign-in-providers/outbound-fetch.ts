import * as oauth from "oauth4webapi";
import { isLoopbackHost } from "../../tools/ip/index.js";
import {
	type AddressPolicy,
	SsrfError,
	safeRequest,
} from "../../tools/ssrf/index.js";

/** The largest answer a provider may give (discovery documents and JWKS are a few KiB). */
const MAX_BODY_BYTES = 1024 * 1024;

/** What oauth4webapi hands its `customFetch`. */
interface FetchOptions {
	method: string;
	headers: Record<string, string>;
	body?: unknown;
}

/** A fetch for oauth4webapi whose every request goes through the SSRF guard. */
export type OutboundFetch = (
	url: string,
	options: FetchOptions,
) => Promise<Response>;

/**
 * Creates the fetch every OAuth2 request uses (discovery, token, JWKS, user info):
 * https only (http only to loopback, for development and tests), checked by the
 * SSRF guard (private and loopback addresses only when BASALT_SSRF_ALLOW allows
 * them), pinned to the checked address, never following redirects, cut off after
 * `timeoutMs` and 1 MiB.
 */
export function createOutboundFetch(
	policy: AddressPolicy,
	timeoutMs: number,
): OutboundFetch {
	return async function outboundFetch(url, options) {
		const target = new URL(url);
		if (target.protocol !== "https:" && !isLoopbackHost(target.hostname))
			throw new SsrfError("only https URLs are allowed");
		const answer = await safeRequest(
			url,
			{
				method: options.method,
				// GitHub's API refuses requests without a User-Agent; say who calls.
				headers: { ...options.headers, "user-agent": "Basalt-OAuth2/1" },
				body: bodyText(options.body),
				timeoutMs,
				maxBodyBytes: MAX_BODY_BYTES,
			},
			policy,
		);
		if (answer.truncated)
			throw new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
		const headers = new Headers();
		for (const [name, value] of Object.entries(answer.headers)) {
			for (const one of Array.isArray(value) ? value : [value])
				if (one !== undefined) headers.append(name, one);
		}
		const empty = [101, 204, 205, 304].includes(answer.status);
		return new Response(empty ? null : new Uint8Array(answer.body), {
			status: answer.status,
			headers,
		});
	};
}

function bodyText(body: unknown): string | undefined {
	if (body === undefined || body === null) return undefined;
	if (typeof body === "string") return body;
	if (body instanceof URLSearchParams) return body.toString();
	throw new Error("unsupported request body");
}

/** The options every oauth4webapi call gets: our fetch (which does its own https check). */
export function httpOptions(fetch: OutboundFetch) {
	return {
		[oauth.customFetch]: fetch,
		// outboundFetch refuses http to anything but loopback itself.
		[oauth.allowInsecureRequests]: true,
	};
}
