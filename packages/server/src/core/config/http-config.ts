import { isIP } from "node:net";
import { ConfigError } from "./config-error.js";
import { cidrList, integer, list, type Reader } from "./read-values.js";

/** How the HTTP server listens and what it accepts. */
export interface HttpConfig {
	host: string;
	port: number;
	/** PEM files; set: the server speaks HTTPS. */
	tls: { certFile: string; keyFile: string } | undefined;
	/** With TLS: a plain HTTP port that only redirects to publicUrl (BASALT_HTTP_REDIRECT_PORT). */
	redirectPort: number | undefined;
	/** Where browsers reach this server (no trailing slash): OAuth2 callback URLs start here. */
	publicUrl: string;
	corsOrigins: string[];
	/** IPs and CIDR ranges whose `X-Forwarded-For` is believed. */
	trustedProxies: string[];
	/** Largest accepted JSON body. */
	bodyLimitBytes: number;
	/** Most sub-requests in one POST /api/v1/batch. */
	batchMaxRequests: number;
}

/** Reads the listen address, TLS, CORS, proxies and body limits (docs/configuration.md). */
export function readHttpConfig(read: Reader): HttpConfig {
	const listenHost = host(read("BASALT_HOST") ?? "127.0.0.1");
	const port = integer(read, "BASALT_PORT", 8090, 0, 65535);
	const tlsFiles = tls(read("BASALT_TLS_CERT"), read("BASALT_TLS_KEY"));
	const origin = publicUrl(read("BASALT_PUBLIC_URL"), {
		host: listenHost,
		port,
		https: tlsFiles !== undefined,
	});
	return {
		host: listenHost,
		port,
		tls: tlsFiles,
		redirectPort: redirectPort(read, { port, tls: tlsFiles, origin }),
		publicUrl: origin,
		corsOrigins: list(read("BASALT_CORS_ORIGINS") ?? "*"),
		trustedProxies: cidrList(read, "BASALT_TRUSTED_PROXIES"),
		bodyLimitBytes: integer(
			read,
			"BASALT_BODY_LIMIT",
			1024 * 1024,
			1024,
			1024 * 1024 * 1024,
		),
		batchMaxRequests: integer(
			read,
			"BASALT_BATCH_MAX_REQUESTS",
			1000,
			1,
			100_000,
		),
	};
}

/**
 * Reads BASALT_HTTP_REDIRECT_PORT: only with TLS, another port than BASALT_PORT, and
 * a public URL that is https (where the redirects point).
 */
function redirectPort(
	read: Reader,
	context: { port: number; tls: unknown; origin: string },
): number | undefined {
	if (read("BASALT_HTTP_REDIRECT_PORT") === undefined) return undefined;
	const value = integer(read, "BASALT_HTTP_REDIRECT_PORT", 0, 1, 65535);
	if (!context.tls)
		throw new ConfigError(
			"BASALT_HTTP_REDIRECT_PORT",
			"redirects to HTTPS, so it needs BASALT_TLS_CERT and BASALT_TLS_KEY",
		);
	if (value === context.port)
		throw new ConfigError(
			"BASALT_HTTP_REDIRECT_PORT",
			"must differ from BASALT_PORT",
		);
	if (!context.origin.startsWith("https://"))
		throw new ConfigError(
			"BASALT_HTTP_REDIRECT_PORT",
			"redirects to BASALT_PUBLIC_URL, which must then start with https://",
		);
	return value;
}

/** Checks a listen address: an IP or a host name. */
function host(value: string): string {
	if (isIP(value) || /^[a-zA-Z0-9.-]+$/.test(value)) return value;
	throw new ConfigError(
		"BASALT_HOST",
		`must be an IP address or host name, got "${value}"`,
	);
}

/** Reads BASALT_TLS_CERT and BASALT_TLS_KEY, which come together. */
function tls(certFile: string | undefined, keyFile: string | undefined) {
	if (!certFile && !keyFile) return undefined;
	if (!certFile)
		throw new ConfigError(
			"BASALT_TLS_CERT",
			"must be set together with BASALT_TLS_KEY",
		);
	if (!keyFile)
		throw new ConfigError(
			"BASALT_TLS_KEY",
			"must be set together with BASALT_TLS_CERT",
		);
	return { certFile, keyFile };
}

/**
 * Reads BASALT_PUBLIC_URL: the http(s) origin (and optional path prefix, behind a
 * proxy) at which browsers reach the server. Unset, it is the listen address; a
 * wildcard listen address becomes `localhost`, which only suits development.
 */
function publicUrl(
	raw: string | undefined,
	listen: { host: string; port: number; https: boolean },
): string {
	if (raw === undefined) {
		const wildcard = listen.host === "0.0.0.0" || listen.host === "::";
		const host = wildcard
			? "localhost"
			: isIP(listen.host) === 6
				? `[${listen.host}]`
				: listen.host;
		return `${listen.https ? "https" : "http"}://${host}:${listen.port}`;
	}
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ConfigError("BASALT_PUBLIC_URL", "is not a valid URL");
	}
	if (url.protocol !== "http:" && url.protocol !== "https:")
		throw new ConfigError(
			"BASALT_PUBLIC_URL",
			"must start with https:// (or http://)",
		);
	if (url.username || url.password || url.search || url.hash)
		throw new ConfigError(
			"BASALT_PUBLIC_URL",
			"must be an origin with an optional path: no credentials, query or fragment",
		);
	return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
