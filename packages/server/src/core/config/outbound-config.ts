import { createAddressPolicy } from "../../tools/ssrf/index.js";
import { ConfigError } from "./config-error.js";
import { integer, list, type Reader } from "./read-values.js";

/** Requests Basalt makes to other servers: webhook deliveries, OAuth2 providers. */
export interface OutboundConfig {
	/** Hosts and CIDRs outbound requests may reach although private or loopback. */
	ssrfAllow: string[];
	webhooks: {
		/** Time limit of one delivery attempt. */
		timeoutMs: number;
		/** Attempts of one delivery before it is failed. */
		maxAttempts: number;
		/** Failed deliveries in a row after which a webhook is paused. */
		pauseAfter: number;
	};
	/** Time limit of one request to an OAuth2 provider (discovery, token, keys, user info). */
	signInProviderTimeoutMs: number;
}

/** Reads the SSRF allow list and the limits of webhook and OAuth2 requests. */
export function readOutboundConfig(read: Reader): OutboundConfig {
	return {
		ssrfAllow: ssrfAllowList(read("BASALT_SSRF_ALLOW")),
		webhooks: {
			timeoutMs: integer(
				read,
				"BASALT_WEBHOOK_TIMEOUT_MS",
				10_000,
				50,
				300_000,
			),
			maxAttempts: integer(read, "BASALT_WEBHOOK_MAX_ATTEMPTS", 8, 1, 50),
			pauseAfter: integer(read, "BASALT_WEBHOOK_PAUSE_AFTER", 5, 1, 10_000),
		},
		signInProviderTimeoutMs: integer(
			read,
			"BASALT_OAUTH2_TIMEOUT_MS",
			10_000,
			100,
			120_000,
		),
	};
}

/** Reads BASALT_SSRF_ALLOW, refusing entries the SSRF guard could not read. */
function ssrfAllowList(raw: string | undefined): string[] {
	const items = list(raw ?? "");
	try {
		createAddressPolicy(items);
	} catch (err: unknown) {
		throw new ConfigError("BASALT_SSRF_ALLOW", (err as Error).message);
	}
	return items;
}
