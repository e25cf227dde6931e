import { Counter, type Registry } from "prom-client";

/** The auth metrics of one App. */
export interface AuthMetrics {
	/** Counts a password sign-in. */
	login(kind: "account" | "superuser", success: boolean): void;
	/** Counts a detected refresh-token reuse. */
	refreshReused(): void;
	/** Counts a request refused by `limit` (login, signUp, refresh, accountMail). */
	rateLimited(limit: string): void;
	/** Starts each limit's counter at zero, so rate() sees the first refusal. */
	declareLimits(limits: readonly string[]): void;
}

/**
 * The auth metrics: password sign-ins by kind and outcome, refresh-token reuse
 * detections, and requests refused by a rate limit.
 */
export function createAuthMetrics(register: Registry): AuthMetrics {
	const logins = new Counter({
		name: "basalt_auth_logins_total",
		help: "Password sign-ins by kind (account or superuser) and outcome (success or failure).",
		labelNames: ["kind", "outcome"] as const,
		registers: [register],
	});
	const reuse = new Counter({
		name: "basalt_auth_refresh_reuse_total",
		help: "Refresh tokens presented a second time: each revoked its whole session family.",
		registers: [register],
	});
	const rateLimited = new Counter({
		name: "basalt_rate_limited_total",
		help: "Requests refused with 429 by a rate limit, by limit.",
		labelNames: ["limit"] as const,
		registers: [register],
	});
	for (const kind of ["account", "superuser"])
		for (const outcome of ["success", "failure"])
			logins.inc({ kind, outcome }, 0);
	return {
		login(kind: "account" | "superuser", success: boolean): void {
			logins.inc({ kind, outcome: success ? "success" : "failure" });
		},
		refreshReused(): void {
			reuse.inc();
		},
		rateLimited(limit: string): void {
			rateLimited.inc({ limit });
		},
		declareLimits(limits: readonly string[]): void {
			for (const limit of limits) rateLimited.inc({ limit }, 0);
		},
	};
}
