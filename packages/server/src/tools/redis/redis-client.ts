import { Redis, type RedisOptions } from "ioredis";
import { isTlsError } from "./tls-error.js";

/** Where a Redis server is and how its TLS certificate is checked. */
export interface RedisConnection {
	/** redis:// (plain TCP) or rediss:// (TLS). */
	url: string;
	/** rediss:// only; without it the certificate is checked against Node's bundled CAs. */
	tls?: {
		/** PEM of the CAs trusted instead of Node's bundled list. */
		ca?: string | Buffer;
		/** false accepts any certificate: an explicit opt-out, never a default. */
		verify?: boolean;
	};
	/** Hears a failed TLS handshake (a refused certificate, say), once until the client connects again. */
	onTlsError?: (err: Error) => void;
}

/**
 * Creates an ioredis client: the one place Basalt does (rate limits, the response
 * cache, the event bus, BullMQ), so each connects to Redis the same way. A rediss://
 * URL connects with TLS, and the server's certificate must chain to a trusted CA and
 * name the URL's host unless `tls.verify` is false.
 *
 * @example
 * const redis = createRedisClient({ url: "rediss://:pw@cache.internal:6380", tls: { ca } }, { lazyConnect: true });
 */
export function createRedisClient(
	connection: RedisConnection,
	options: RedisOptions = {},
): Redis {
	// The URL's query parameters win over these options in ioredis; REDIS_URL may not
	// carry `tls` (core/config/redis-config.ts), so the settings below apply.
	const client = new Redis(connection.url, {
		...options,
		...tlsOptions(connection),
	});
	const report = connection.onTlsError;
	if (report) {
		let reported = false;
		client.on("error", (err: Error) => {
			if (reported || !isTlsError(err)) return;
			reported = true;
			report(err);
		});
		client.on("ready", () => {
			reported = false;
		});
	}
	return client;
}

function tlsOptions({ url, tls }: RedisConnection): RedisOptions {
	if (new URL(url).protocol !== "rediss:") {
		if (tls) throw new Error("Redis TLS settings need a rediss:// URL");
		return {};
	}
	return {
		tls: {
			rejectUnauthorized: tls?.verify !== false,
			...(tls?.ca ? { ca: tls.ca } : {}),
		},
	};
}
