import type { ClientRequest, IncomingMessage } from "node:http";
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import type { AddressPolicy } from "./address-policy.js";
import {
	type ResolveOptions,
	resolveSafeTarget,
	type SafeTarget,
} from "./check-url.js";

/** How much of a response body safeRequest keeps unless told otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The one request safeRequest makes. */
export interface SafeRequestInit {
	method: string;
	/** Sent as given, except `Host`, which is always the URL's host. */
	headers: Readonly<Record<string, string>>;
	body?: string | Buffer;
	/** Limit for the whole exchange: DNS, connect, TLS, response headers and body. */
	timeoutMs: number;
	/** Bytes of the body to keep; the rest is not read. Defaults to 64 KiB. */
	maxBodyBytes?: number;
}

/** What came back: a 3xx is a response like any other, never followed. */
export interface SafeResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** At most `maxBodyBytes` bytes. */
	body: Buffer;
	/** True when the body was cut at `maxBodyBytes`. */
	truncated: boolean;
}

/**
 * Makes one outbound HTTP(S) request to a URL that passed resolveSafeTarget. The
 * connection goes to the address that was checked (the socket's DNS lookup is
 * replaced by one that returns it), so a DNS answer that changes between the check
 * and the connect cannot move the request to another address; the Host header and
 * TLS server name stay the URL's host. Redirects are not followed, the body is read
 * up to `maxBodyBytes`, and a request still running after `timeoutMs` is destroyed
 * and rejected with an Error named `TimeoutError`. Refused URLs reject with
 * SsrfError before any connection is made; network failures reject with the
 * socket's error.
 *
 * @example
 * const res = await safeRequest(hook.url, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify(event),
 *   timeoutMs: 10_000,
 * }, policy);
 */
export async function safeRequest(
	url: string | URL,
	init: SafeRequestInit,
	policy: AddressPolicy,
	options: ResolveOptions = {},
): Promise<SafeResponse> {
	const deadline = startDeadline(init.timeoutMs);
	try {
		const target = await deadline.race(resolveSafeTarget(url, policy, options));
		return await deadline.race(exchange(target, init, deadline.signal));
	} finally {
		deadline.stop();
	}
}

/** A timer that aborts `signal` and rejects every raced promise when it fires. */
interface Deadline {
	signal: AbortSignal;
	race<T>(work: Promise<T>): Promise<T>;
	stop(): void;
}

/** Starts a deadline of `ms` milliseconds. */
function startDeadline(ms: number): Deadline {
	const controller = new AbortController();
	const timer = setTimeout(() => {
		const err = new Error(`the request did not complete within ${ms} ms`);
		err.name = "TimeoutError";
		controller.abort(err);
	}, ms);
	const expired = new Promise<never>((_, reject) => {
		controller.signal.addEventListener(
			"abort",
			() => reject(controller.signal.reason),
			{ once: true },
		);
	});
	// Raced below; this handler only keeps an expiry nobody awaits from being unhandled.
	expired.catch(() => {});
	return {
		signal: controller.signal,
		race: (work) => Promise.race([work, expired]),
		stop: () => clearTimeout(timer),
	};
}

/** Sends the request to the pinned address and reads the capped response. */
function exchange(
	target: SafeTarget,
	init: SafeRequestInit,
	signal: AbortSignal,
): Promise<SafeResponse> {
	const maxBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
	return new Promise((resolve, reject) => {
		const client = target.url.protocol === "https:" ? https : http;
		const request: ClientRequest = client.request(
			requestOptions(target, init, signal),
			(response) => {
				readCapped(response, maxBytes).then(
					({ body, truncated }) =>
						resolve({
							status: response.statusCode ?? 0,
							headers: response.headers,
							body,
							truncated,
						}),
					reject,
				);
			},
		);
		request.on("error", reject);
		request.end(init.body);
	});
}

/** Builds the http.request options that pin the connection to the checked address. */
function requestOptions(
	target: SafeTarget,
	init: SafeRequestInit,
	signal: AbortSignal,
): https.RequestOptions {
	const { url } = target;
	const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(init.headers)) {
		if (name.toLowerCase() !== "host") headers[name] = value;
	}
	headers.host = url.host;
	return {
		protocol: url.protocol,
		host,
		port: url.port === "" ? undefined : Number(url.port),
		path: `${url.pathname}${url.search}`,
		method: init.method,
		headers,
		// A fresh connection every time: a pooled socket may have been opened by
		// someone else's unchecked lookup for the same host name.
		agent: false,
		lookup: pinnedLookup(target.address, target.family),
		// SNI and certificate checks use the name the URL gave (never an IP: RFC 6066).
		servername: isIP(host) === 0 ? host : undefined,
		signal,
	};
}

/**
 * Returns a `lookup` for net.connect that answers every query with the checked
 * address. Node asks with `all: true` when it races address families
 * (autoSelectFamily, on by default since Node 20), else for a single address.
 */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
	return function pinnedLookup(_hostname, options, callback) {
		if (options.all) callback(null, [{ address, family }]);
		else callback(null, address, family);
	};
}

/** Reads at most `maxBytes` of a response body, then drops the connection. */
function readCapped(
	response: IncomingMessage,
	maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		response.on("data", (chunk: Buffer) => {
			if (size + chunk.length <= maxBytes) {
				chunks.push(chunk);
				size += chunk.length;
				return;
			}
			chunks.push(chunk.subarray(0, maxBytes - size));
			resolve({ body: Buffer.concat(chunks), truncated: true });
			// Nothing more is wanted: stop reading instead of draining to the end.
			response.destroy();
		});
		response.on("end", () =>
			resolve({ body: Buffer.concat(chunks), truncated: false }),
		);
		response.on("error", reject);
		response.on("close", () =>
			reject(new Error("the connection closed before the response ended")),
		);
	});
}
