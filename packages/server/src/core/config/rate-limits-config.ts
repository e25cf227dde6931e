import { ConfigError } from "./config-error.js";
import type { Reader } from "./read-values.js";

/** A limit of `limit` hits per sliding window of `windowMs`. */
export interface RateLimitSetting {
	limit: number;
	windowMs: number;
}

/** The brute-force limits of the auth endpoints (docs/auth.md#brute-force-limits). */
export interface AuthRateLimits {
	/** Sign-in attempts per account identity (a success clears them). */
	login: RateLimitSetting;
	/** Sign-in attempts per client IP. */
	loginIp: RateLimitSetting;
	/** Verification, reset and email-change mails per address. */
	accountMail: RateLimitSetting;
	/** Account mail requests per client IP. */
	accountMailIp: RateLimitSetting;
	/** Sign-ups (creates on auth collections by anyone but superusers) per client IP. */
	signUpIp: RateLimitSetting;
	/** Refresh-token trades per client IP. */
	refreshIp: RateLimitSetting;
}

/** Reads the BASALT_RATE_LIMIT_* variables. */
export function readRateLimits(read: Reader): AuthRateLimits {
	return {
		login: rateLimitRule(read, "BASALT_RATE_LIMIT_LOGIN", "10/15m"),
		loginIp: rateLimitRule(read, "BASALT_RATE_LIMIT_LOGIN_IP", "100/15m"),
		accountMail: rateLimitRule(read, "BASALT_RATE_LIMIT_ACCOUNT_MAIL", "5/1h"),
		accountMailIp: rateLimitRule(
			read,
			"BASALT_RATE_LIMIT_ACCOUNT_MAIL_IP",
			"30/1h",
		),
		signUpIp: rateLimitRule(read, "BASALT_RATE_LIMIT_SIGNUP_IP", "20/1h"),
		refreshIp: rateLimitRule(read, "BASALT_RATE_LIMIT_REFRESH_IP", "300/15m"),
	};
}

const DURATION_UNITS_MS: Record<string, number> = {
	s: 1000,
	m: 60_000,
	h: 3_600_000,
	d: 86_400_000,
};

/** Reads a rate limit written `<hits>/<window>` with a unit (`10/15m`, `100/1h`), or the default. */
function rateLimitRule(
	read: Reader,
	name: string,
	fallback: string,
): RateLimitSetting {
	const raw = read(name) ?? fallback;
	const match = /^(\d{1,9})\/(\d{1,6})(s|m|h|d)$/.exec(raw);
	const limit = Number(match?.[1]);
	const windowMs =
		Number(match?.[2]) * (DURATION_UNITS_MS[match?.[3] ?? ""] ?? 0);
	if (!match || limit < 1 || windowMs < 1000)
		throw new ConfigError(
			name,
			`must be hits per window like "10/15m" (units s, m, h, d), got "${raw}"`,
		);
	return { limit, windowMs };
}
