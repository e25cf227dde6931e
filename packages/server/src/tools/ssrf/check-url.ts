import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { AddressPolicy } from "./address-policy.js";
import { SsrfError } from "./ssrf-error.js";

/** Resolves a host name to all its addresses, as `dns.promises.lookup` with `all: true` does. */
export type LookupFn = (
	hostname: string,
	options: { all: true },
) => Promise<LookupAddress[]>;

/** How resolveSafeTarget resolves names; tests inject answers for made-up names. */
export interface ResolveOptions {
	/** Defaults to `dns.promises.lookup` (the system resolver, /etc/hosts included). */
	lookup?: LookupFn;
}

/** One resolved address. */
interface Resolved {
	address: string;
	family: 4 | 6;
}

/** A URL that passed the guard, with the one address the connection must use. */
export interface SafeTarget {
	url: URL;
	/** The checked address, without brackets: connect here and nowhere else. */
	address: string;
	family: 4 | 6;
}

/**
 * Checks an outbound URL against the policy and picks the address to connect to:
 * http or https only, no credentials, and a host that is, or resolves only to,
 * allowed addresses (a host name on the allowlist may resolve anywhere). Throws
 * SsrfError otherwise. The URL is parsed with WHATWG `URL`, which already reads
 * `2130706433`, `0x7f.1` and `017700000001` as 127.0.0.1, so those forms meet the
 * same rules as the dotted one.
 *
 * @example
 * const { url, address } = await resolveSafeTarget("https://hooks.example.com/x", policy);
 */
export async function resolveSafeTarget(
	url: string | URL,
	policy: AddressPolicy,
	options: ResolveOptions = {},
): Promise<SafeTarget> {
	const parsed = parseOutboundUrl(url);
	const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
	const family = isIP(host);
	if (family === 4 || family === 6) {
		if (!policy.isAllowedAddress(host)) {
			throw new SsrfError(
				`the host is a private or reserved address (${host})`,
			);
		}
		return { url: parsed, address: host, family };
	}
	const answers = await resolveHost(host, options.lookup ?? dnsLookup);
	if (!policy.isAllowedHost(host)) {
		// Every answer must pass, not just the first: a name answering with a public
		// and a private address would otherwise reach the private one on a retry.
		const refused = answers.find((a) => !policy.isAllowedAddress(a.address));
		if (refused) {
			throw new SsrfError(
				`the host resolves to a private or reserved address (${refused.address})`,
			);
		}
	}
	return { url: parsed, ...answers[0] };
}

/** Parses a URL and refuses schemes, credentials and hosts the guard never allows. */
function parseOutboundUrl(url: string | URL): URL {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch (err: unknown) {
		throw new SsrfError("the URL is malformed", { cause: err });
	}
	if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
		throw new SsrfError("only http and https URLs are allowed");
	}
	if (parsed.username !== "" || parsed.password !== "") {
		throw new SsrfError("URLs with credentials are not allowed");
	}
	if (parsed.hostname === "") throw new SsrfError("the URL has no host");
	return parsed;
}

/** Looks a host name up; throws SsrfError when it has no usable address. */
async function resolveHost(
	host: string,
	lookup: LookupFn,
): Promise<[Resolved, ...Resolved[]]> {
	let answers: LookupAddress[];
	try {
		answers = await lookup(host, { all: true });
	} catch (err: unknown) {
		throw new SsrfError("the host name could not be resolved", { cause: err });
	}
	// Trust the address text, not the family field: an injected or odd resolver
	// could say 4 for an IPv6 address.
	const resolved: Resolved[] = [];
	for (const { address } of answers) {
		const family = isIP(address);
		if (family !== 4 && family !== 6) break;
		resolved.push({ address, family });
	}
	const [first, ...rest] = resolved;
	if (!first || resolved.length !== answers.length) {
		throw new SsrfError("the host name could not be resolved");
	}
	return [first, ...rest];
}
