import { type ClientTls, readClientTls } from "./client-tls-config.js";
import { ConfigError } from "./config-error.js";
import { optionalUrl, type Reader } from "./read-values.js";

/** The Redis every node shares (docs/scale-out.md). */
export interface RedisConfig {
	/** redis:// (plain TCP) or rediss:// (TLS). */
	url: string;
	/** rediss:// only: how the server's certificate is checked. */
	tls: ClientTls | undefined;
}

/** Reads REDIS_URL, BASALT_REDIS_CA and BASALT_REDIS_TLS_VERIFY. */
export function readRedisConfig(read: Reader): RedisConfig | undefined {
	const url = optionalUrl(read, "REDIS_URL", ["redis:", "rediss:"]);
	const secure = url !== undefined && new URL(url).protocol === "rediss:";
	const tls = readClientTls(
		read,
		{
			ca: "BASALT_REDIS_CA",
			verify: "BASALT_REDIS_TLS_VERIFY",
		},
		secure
			? undefined
			: url
				? "REDIS_URL is redis:// (plain TCP); use rediss:// for TLS"
				: "REDIS_URL is not set",
	);
	if (url === undefined) return undefined;
	// ioredis turns every query parameter into a client option; `tls` would replace
	// the TLS settings built from the variables above.
	if (new URL(url).searchParams.has("tls"))
		throw new ConfigError(
			"REDIS_URL",
			"takes no tls parameter: rediss:// turns TLS on, BASALT_REDIS_CA and BASALT_REDIS_TLS_VERIFY set it up",
		);
	return { url, tls: secure ? tls : undefined };
}
