import { isIP } from "node:net";
import { ConfigError } from "./config-error.js";

/** Reads one variable (trimmed; empty is unset). */
export type Reader = (name: string) => string | undefined;

/** Reads a whole number within bounds, or the default. */
export function integer(
	read: Reader,
	name: string,
	fallback: number,
	min: number,
	max: number,
): number {
	const raw = read(name);
	if (raw === undefined) return fallback;
	if (!/^\d+$/.test(raw))
		throw new ConfigError(name, `must be a whole number, got "${raw}"`);
	const value = Number(raw);
	if (value < min || value > max)
		throw new ConfigError(
			name,
			`must be between ${min} and ${max}, got ${value}`,
		);
	return value;
}

/** Reads a number from 0 to 1 (a share, such as a sampling rate), or the default. */
export function fraction(read: Reader, name: string, fallback: number): number {
	const raw = read(name);
	if (raw === undefined) return fallback;
	const value = /^(0|1|0?\.\d+|1\.0*)$/.test(raw) ? Number(raw) : Number.NaN;
	if (!(value >= 0 && value <= 1))
		throw new ConfigError(name, `must be a number from 0 to 1, got "${raw}"`);
	return value;
}

/** Reads one of a fixed set of words, or the default. */
export function oneOf<T extends string>(
	read: Reader,
	name: string,
	allowed: readonly T[],
	fallback: T,
): T {
	const raw = read(name);
	if (raw === undefined) return fallback;
	if (!(allowed as readonly string[]).includes(raw)) {
		throw new ConfigError(
			name,
			`must be one of ${allowed.join(", ")}, got "${raw}"`,
		);
	}
	return raw as T;
}

/** Checks a listen address: an IP or a host name. */
export function host(value: string): string {
	if (isIP(value) || /^[a-zA-Z0-9.-]+$/.test(value)) return value;
	throw new ConfigError(
		"BASALT_HOST",
		`must be an IP address or host name, got "${value}"`,
	);
}

/** Reads an optional URL with one of the given protocols. */
export function optionalUrl(
	read: Reader,
	name: string,
	protocols: string[],
): string | undefined {
	const raw = read(name);
	if (raw === undefined) return undefined;
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new ConfigError(name, "is not a valid URL");
	}
	if (!protocols.includes(url.protocol)) {
		throw new ConfigError(
			name,
			`must start with ${protocols.map((p) => `${p}//`).join(" or ")}`,
		);
	}
	return raw;
}

/** Splits a comma list, dropping blanks. */
export function list(raw: string): string[] {
	return raw
		.split(",")
		.map((item) => item.trim())
		.filter((item) => item !== "");
}

/** Reads a comma list of IPs and CIDR ranges. */
export function cidrList(read: Reader, name: string): string[] {
	const items = list(read(name) ?? "");
	for (const item of items) {
		const [address, bits, extra] = item.split("/");
		const family = isIP(address ?? "");
		const maxBits = family === 6 ? 128 : 32;
		const validBits =
			bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
		if (family === 0 || !validBits || extra !== undefined) {
			throw new ConfigError(
				name,
				`"${item}" is not an IP address or CIDR range`,
			);
		}
	}
	return items;
}

const DURATION_UNITS_MS: Record<string, number> = {
	s: 1000,
	m: 60_000,
	h: 3_600_000,
	d: 86_400_000,
};

/** Reads a rate limit written `<hits>/<window>` with a unit (`10/15m`, `100/1h`), or the default. */
export function rateLimitRule(
	read: Reader,
	name: string,
	fallback: string,
): { limit: number; windowMs: number } {
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
