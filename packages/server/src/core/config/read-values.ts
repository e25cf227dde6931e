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

/** Reads `true` or `false`, or the default. */
export function flag(read: Reader, name: string, fallback: boolean): boolean {
	return (
		oneOf(
			read,
			name,
			["true", "false"] as const,
			fallback ? "true" : "false",
		) === "true"
	);
}

const DAY_MS = 24 * 3_600_000;

/** Reads a whole number of days within bounds, or the default, as milliseconds. */
export function daysAsMs(
	read: Reader,
	name: string,
	fallback: number,
	max: number,
): number {
	return integer(read, name, fallback, 1, max) * DAY_MS;
}
