import { ConfigError } from "./config-error.js";
import { integer, optionalUrl, type Reader } from "./read-values.js";
import { readSmtpTls, type SmtpTls } from "./smtp-tls-config.js";

/** Accounts of auth collections: passwords, the mail they get, the first superuser. */
export interface AccountsConfig {
	/** The shortest password auth records accept (at least 8). */
	passwordMinLength: number;
	/** Your application's address: links in account mail point there. */
	appUrl: string;
	/** Your application's name, as account mail says it. */
	appName: string;
	/** A superuser created at start when missing (BASALT_SUPERUSER_*). */
	superuser: { email: string; password: string } | undefined;
}

/** How long tokens live, and how long a node trusts an account row it read. */
export interface TokensConfig {
	accessTtlMs: number;
	refreshTtlMs: number;
	/** Lifetime of OAuth2 client_credentials tokens. */
	clientTtlMs: number;
	/**
	 * How long a node trusts the account row behind a token without reading it again
	 * (0: read it on every request). Bounds how late a change made elsewhere (another
	 * node, another process) is seen; this node's own changes apply at once.
	 */
	accountCacheMs: number;
}

/** Where Basalt's mail goes, and from whom. */
export interface MailConfig {
	/** unset: mail is written to the log, not sent. */
	smtpUrl: string | undefined;
	/** How the connection to the SMTP server is encrypted and checked. */
	smtpTls: SmtpTls;
	/** The sender: `Name <address>` or an address. */
	from: string;
}

/** Reads the account settings (docs/auth.md). */
export function readAccountsConfig(read: Reader): AccountsConfig {
	return {
		passwordMinLength: integer(read, "BASALT_PASSWORD_MIN_LENGTH", 8, 8, 256),
		appUrl: (
			optionalUrl(read, "BASALT_APP_URL", ["http:", "https:"]) ??
			"http://127.0.0.1:8090"
		).replace(/\/+$/, ""),
		appName: appName(read("BASALT_APP_NAME") ?? "Basalt"),
		superuser: superuser(
			read("BASALT_SUPERUSER_EMAIL"),
			read("BASALT_SUPERUSER_PASSWORD"),
		),
	};
}

/** Reads token lifetimes; the variables keep their units, the config is in ms. */
export function readTokensConfig(read: Reader): TokensConfig {
	return {
		accessTtlMs:
			integer(read, "BASALT_ACCESS_TOKEN_TTL", 900, 10, 7 * 24 * 3600) * 1000,
		refreshTtlMs:
			integer(read, "BASALT_REFRESH_TOKEN_TTL_DAYS", 30, 1, 3650) *
			24 *
			3_600_000,
		clientTtlMs:
			integer(read, "BASALT_CLIENT_TOKEN_TTL", 3600, 10, 24 * 3600) * 1000,
		accountCacheMs: integer(read, "BASALT_ACCOUNT_CACHE_MS", 5000, 0, 60_000),
	};
}

/** Reads BASALT_SMTP_URL, its TLS settings and BASALT_MAIL_FROM. */
export function readMailConfig(read: Reader): MailConfig {
	const smtpUrl = optionalUrl(read, "BASALT_SMTP_URL", ["smtp:", "smtps:"]);
	return {
		smtpUrl,
		smtpTls: readSmtpTls(read, smtpUrl),
		from: mailFrom(
			read("BASALT_MAIL_FROM") ?? "Basalt <no-reply@basalt.invalid>",
		),
	};
}

/** Reads BASALT_MASTER_KEY: 32 bytes in base64. */
export function readMasterKey(raw: string | undefined): Buffer | undefined {
	if (raw === undefined) return undefined;
	const key = Buffer.from(raw, "base64");
	if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
		throw new ConfigError(
			"BASALT_MASTER_KEY",
			"must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)",
		);
	}
	return key;
}

/** Checks BASALT_APP_NAME: one line of at most 100 characters (it goes into mail subjects). */
function appName(value: string): string {
	if (/[\r\n]/.test(value) || value.length > 100)
		throw new ConfigError(
			"BASALT_APP_NAME",
			"must be one line of at most 100 characters",
		);
	return value;
}

/** Checks BASALT_MAIL_FROM: an address or `Name <address>`, on one line. */
function mailFrom(value: string): string {
	if (
		/[\r\n]/.test(value) ||
		!/^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(value)
	) {
		throw new ConfigError(
			"BASALT_MAIL_FROM",
			`must be an address or "Name <address>", got ${JSON.stringify(value)}`,
		);
	}
	return value;
}

/** Reads the BASALT_SUPERUSER_* pair, which come together. */
function superuser(email: string | undefined, password: string | undefined) {
	if (!email && !password) return undefined;
	if (!email)
		throw new ConfigError(
			"BASALT_SUPERUSER_EMAIL",
			"must be set together with BASALT_SUPERUSER_PASSWORD",
		);
	if (!password)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be set together with BASALT_SUPERUSER_EMAIL",
		);
	if (!/^[^\s@]+@[^\s@]+$/.test(email))
		throw new ConfigError("BASALT_SUPERUSER_EMAIL", "is not an email address");
	if (password.length < 8)
		throw new ConfigError(
			"BASALT_SUPERUSER_PASSWORD",
			"must be at least 8 characters",
		);
	return { email, password };
}
