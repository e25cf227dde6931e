import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../../core/app/index.js";
import { AppError } from "../../core/errors/index.js";
import type { Caller } from "../../core/model/index.js";
import {
	type RateLimitDecision,
	type RateLimitKeyPart,
	rateLimitHeaders,
	strictestDecision,
} from "../../tools/rate-limit/index.js";

/**
 * The auth limits: sign-in and account mail (per identity and IP); sign-up and
 * refresh (per IP).
 */
export type AuthLimit = "login" | "accountMail" | "signUp" | "refresh";

/**
 * Counts one attempt of `limit` against the client's IP and, when given, the
 * identity it names, scoped by the caller (`users:ann@example.com`) so one address
 * in two collections is two accounts (docs/auth.md#brute-force-limits). A refusal
 * is a 429 with `Retry-After` and `RateLimit-*` headers, and costs no password
 * hashing; an allowed request carries the headers too. If the counters cannot be
 * reached (Redis down) the request goes through: the limits slow attackers, and an
 * outage of theirs must not lock every user out.
 */
export async function countAuthAttempt(
	app: App,
	request: FastifyRequest,
	reply: FastifyReply,
	limit: AuthLimit,
	identity?: string,
): Promise<void> {
	const checks: [string, RateLimitKeyPart[]][] = [
		[`${limit}Ip`, [{ ip: request.ip }]],
	];
	if (identity !== undefined) checks.push([limit, [{ identity }]]);
	let decisions: RateLimitDecision[];
	const now = Date.now();
	try {
		decisions = await Promise.all(
			checks.map(([rule, parts]) => app.rateLimiter.consume(rule, parts, now)),
		);
	} catch (err: unknown) {
		request.log.warn({ err }, "rate limits could not be counted; let through");
		return;
	}
	const decision = strictestDecision(decisions);
	const headers = rateLimitHeaders(decision, now);
	if (!decision.allowed) {
		app.metrics.auth.rateLimited(limit);
		app.logger.warn(
			{ route: request.routeOptions.url, ip: request.ip, limit },
			"auth rate limit reached",
		);
		throw new AppError("RATE_LIMITED", {
			detail: `Too many attempts; try again in ${decision.retryAfterSeconds} s.`,
			headers,
		});
	}
	reply.headers(headers);
}

/** Forgets an identity's sign-in attempts after it signed in. */
export async function clearLoginAttempts(
	app: App,
	request: FastifyRequest,
	identity: string,
): Promise<void> {
	try {
		await app.rateLimiter.reset("login", [{ identity }]);
	} catch (err: unknown) {
		request.log.warn({ err }, "rate limits could not be reset");
	}
}

/**
 * Tells whether a create is a sign-up: a new account in an auth collection made by
 * anyone but a superuser (sign-ups are limited per IP; superusers make accounts freely).
 */
export function isSignUp(
	app: App,
	collection: string,
	caller: Caller,
): boolean {
	return (
		caller.kind !== "superuser" &&
		app.registry.find(collection)?.type === "auth"
	);
}
