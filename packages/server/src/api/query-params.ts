import { AppError } from "../tools/errors/index.js";

/** A parsed query string as Fastify gives it. */
export type Query = Record<string, string | string[] | undefined>;

/** The 400 for one bad query parameter, naming it. */
export function invalidParam(name: string, message: string): AppError {
	return new AppError("INVALID_QUERY", {
		detail: `${name} ${message}.`,
		errors: { [name]: { code: "INVALID_VALUE", message } },
	});
}

/** Reads a parameter given at most once; empty is absent. */
export function singleParam(query: Query, name: string): string | undefined {
	const value = query[name];
	if (Array.isArray(value)) throw invalidParam(name, "must be given once");
	return value === "" ? undefined : value;
}

/** Reads a whole number from 1 to `max`, or the default. */
export function countParam(
	query: Query,
	name: string,
	fallback: number,
	max: number,
): number {
	const raw = singleParam(query, name);
	if (raw === undefined) return fallback;
	if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
		throw invalidParam(name, `must be a whole number from 1 to ${max}`);
	}
	return Number(raw);
}

/** Reads one of a fixed set of words, or undefined. */
export function choiceParam<T extends string>(
	query: Query,
	name: string,
	allowed: readonly T[],
): T | undefined {
	const value = singleParam(query, name);
	if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
		throw invalidParam(name, `must be one of ${allowed.join(", ")}`);
	}
	return value as T | undefined;
}

/** Reads `page` and `perPage` (at most 500, default 30). */
export function pageParams(query: Query): { page: number; perPage: number } {
	return {
		page: countParam(query, "page", 1, 1_000_000),
		perPage: countParam(query, "perPage", 30, 500),
	};
}
