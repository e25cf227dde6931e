import { createHash } from "node:crypto";
import { normalizeIp } from "./normalize-ip.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import { nextAllowedAt } from "./sliding-window.js";

/** A limit of `limit` hits per sliding window of `windowMs`. */
export interface RateLimitRule {
	limit: number;
	windowMs: number;
}

/**
 * One part of what a limit is counted per, said explicitly so each is normalized
 * as what it is: `{ ip }` goes through normalizeIp (IPv6 grouped to its /64),
 * `{ identity }` (an email, a user name, a user id) is case-folded.
 */
export type RateLimitKeyPart =
	| { ip: string; identity?: never }
	| { identity: string; ip?: never };

/** The outcome of one consume: whether to serve the request, and what to tell the client. */
export interface RateLimitDecision {
	allowed: boolean;
	limit: number;
	windowMs: number;
	/** Hits left in the sliding window, after this one. */
	remaining: number;
	/**
	 * When the current window ends, or, when nothing remains, when the next hit
	 * will be allowed if the client waits, whichever is later (ms since the epoch).
	 */
	resetAt: number;
	/** Whole seconds to wait before the next hit can be allowed; 0 when allowed. */
	retryAfterSeconds: number;
}

/** Counts hits against named rules. */
export interface RateLimiter {
	/** Records a hit for `rule` on the key made of `parts`, and decides whether it is allowed. */
	consume(
		rule: string,
		parts: readonly RateLimitKeyPart[],
		now?: number,
	): Promise<RateLimitDecision>;
	/** Forgets the hits of `rule` on that key (say, an identity's after a successful login). */
	reset(rule: string, parts: readonly RateLimitKeyPart[]): Promise<void>;
}

/**
 * Creates a rate limiter over a store, with named rules. The key of a hit is the rule
 * name and the normalized parts, hashed: nothing else of the request goes in (so a
 * changed query string or path spelling is the same key), keys have a fixed length
 * however long an identity is sent, and no email address is stored in the clear.
 * Which IP is the client's is the caller's business (only explicitly configured
 * proxies may set it); so is consuming once per item of a batch request.
 *
 * @example
 * const limiter = createRateLimiter(createMemoryRateLimitStore(), {
 *   login: { limit: 10, windowMs: 60_000 },
 * });
 * const decision = await limiter.consume("login", [{ ip: request.ip }, { identity: email }]);
 * if (!decision.allowed) reply.code(429).headers(rateLimitHeaders(decision));
 */
export function createRateLimiter(
	store: RateLimitStore,
	rules: Readonly<Record<string, RateLimitRule>>,
): RateLimiter {
	for (const [name, rule] of Object.entries(rules)) checkRule(name, rule);
	const ruleOf = (name: string): RateLimitRule => {
		const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
		if (!rule) throw new Error(`Unknown rate limit rule: ${name}`);
		return rule;
	};
	return {
		async consume(name, parts, now = Date.now()) {
			const { limit, windowMs } = ruleOf(name);
			const hit = await store.hit(keyOf(name, parts), windowMs, now);
			const retryAt = nextAllowedAt(hit, limit, windowMs, now);
			const allowed = hit.count <= limit;
			return {
				allowed,
				limit,
				windowMs,
				remaining: Math.max(0, limit - hit.count),
				resetAt: Math.max(hit.resetAt, retryAt),
				retryAfterSeconds: allowed
					? 0
					: Math.max(1, Math.ceil((retryAt - now) / 1000)),
			};
		},
		async reset(name, parts) {
			ruleOf(name);
			await store.reset(keyOf(name, parts));
		},
	};
}

/**
 * Picks the decision to report when a request consumed several rules (per IP and
 * per identity): a refusal with the longest wait, else the one with least remaining.
 */
export function strictestDecision(
	decisions: readonly RateLimitDecision[],
): RateLimitDecision {
	const [first, ...rest] = decisions;
	if (!first) throw new Error("strictestDecision needs at least one decision");
	return rest.reduce(
		(strictest, d) => (isStricter(d, strictest) ? d : strictest),
		first,
	);
}

/** Tells whether decision `a` holds the client back more than `b`. */
function isStricter(a: RateLimitDecision, b: RateLimitDecision): boolean {
	if (a.allowed !== b.allowed) return !a.allowed;
	if (!a.allowed) return a.retryAfterSeconds > b.retryAfterSeconds;
	if (a.remaining !== b.remaining) return a.remaining < b.remaining;
	return a.resetAt > b.resetAt;
}

/** Folds an identity the way people type it: trimmed, NFKC, lower case. */
export function normalizeIdentity(identity: string): string {
	return identity.trim().normalize("NFKC").toLowerCase();
}

/** Builds the store key of a rule and parts: `rule:` and a SHA-256 of the normalized parts. */
function keyOf(rule: string, parts: readonly RateLimitKeyPart[]): string {
	// JSON of [kind, value] pairs cannot be forged by a value holding a separator.
	const normalized = parts.map((part) =>
		part.ip !== undefined
			? ["ip", normalizeIp(part.ip)]
			: ["id", normalizeIdentity(part.identity)],
	);
	const digest = createHash("sha256")
		.update(JSON.stringify(normalized))
		.digest("base64url");
	return `${rule}:${digest}`;
}

/** Throws when a rule cannot be enforced as written, so a bad config fails at startup. */
function checkRule(name: string, rule: RateLimitRule): void {
	if (!Number.isSafeInteger(rule.limit) || rule.limit < 1)
		throw new Error(`Rate limit rule ${name}: limit must be an integer ≥ 1`);
	if (!Number.isSafeInteger(rule.windowMs) || rule.windowMs < 1)
		throw new Error(`Rate limit rule ${name}: windowMs must be an integer ≥ 1`);
}
