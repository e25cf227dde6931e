import { AppError, type FieldError } from "../errors/index.js";
import { type Caller, grantOf } from "../model/index.js";

/**
 * Scopes of superuser endpoints. Only keys owned by superusers may hold them; `admin`
 * covers every scope there is.
 */
export const adminScopes = [
	"collections:read",
	"collections:write",
	"jobs",
	"webhooks",
	"admin",
] as const;

/** A scope that opens superuser endpoints. */
export type AdminScope = (typeof adminScopes)[number];

/** Reading (list, view, expand, filter through, export) or writing (create, update, delete, import). */
export type RecordAccess = "read" | "write";

// Collection names (docs/api.md#collections-superusers-only), or `*` for every one.
const RECORD_SCOPE = /^records:(read|write):([a-z][a-z0-9_]{0,62}|\*)$/;

/** The scope that reading or writing records of a collection needs. */
export function recordScope(access: RecordAccess, collection: string): string {
	return `records:${access}:${collection}`;
}

/** Tells whether a string is a scope of the grammar in docs/auth.md#scopes. */
export function isScope(value: string): boolean {
	return (
		RECORD_SCOPE.test(value) ||
		(adminScopes as readonly string[]).includes(value)
	);
}

/** Tells whether a scope opens superuser endpoints (and so needs a superuser owner). */
export function isAdminScope(value: string): boolean {
	return (adminScopes as readonly string[]).includes(value);
}

/** Tells whether holding `held` allows what `needed` names. */
export function scopeCovers(held: string, needed: string): boolean {
	if (held === needed || held === "admin") return true;
	const have = RECORD_SCOPE.exec(held);
	const want = RECORD_SCOPE.exec(needed);
	return (
		have !== null && want !== null && have[1] === want[1] && have[2] === "*"
	);
}

/** Tells whether the caller may do what `needed` names: always, without a grant. */
export function hasScope(caller: Caller, needed: string): boolean {
	const grant = grantOf(caller);
	return (
		grant === undefined || grant.scopes.some((s) => scopeCovers(s, needed))
	);
}

/**
 * Refuses a caller whose API key or client token lacks `needed`: 403 INSUFFICIENT_SCOPE
 * naming it, with the RFC 6750 section 3.1 challenge.
 */
export function requireScope(caller: Caller, needed: string): void {
	if (hasScope(caller, needed)) return;
	throw new AppError("INSUFFICIENT_SCOPE", {
		detail: `This needs the scope "${needed}".`,
		extensions: { scope: needed },
		headers: {
			"www-authenticate": `Bearer error="insufficient_scope", scope="${needed}"`,
		},
	});
}

/**
 * Checks a list of scopes a key or client asks for; returns the field errors by
 * `scopes.<index>`. With `adminRefusal`, admin scopes are refused with that message:
 * a user's key cannot hold what its owner could not do, nor can a client.
 */
export function checkScopes(
	scopes: readonly string[],
	adminRefusal?: string,
): Record<string, FieldError> {
	const errors: Record<string, FieldError> = {};
	if (scopes.length === 0)
		errors.scopes = {
			code: "VALUE_REQUIRED",
			message: "name at least one scope",
		};
	const seen = new Set<string>();
	scopes.forEach((scope, index) => {
		const at = `scopes.${index}`;
		if (!isScope(scope))
			errors[at] = {
				code: "INVALID_SCOPE",
				message:
					"must be records:read:<collection|*>, records:write:<collection|*>, collections:read, collections:write, jobs, webhooks or admin",
			};
		else if (isAdminScope(scope) && adminRefusal !== undefined)
			errors[at] = { code: "SCOPE_NOT_ALLOWED", message: adminRefusal };
		else if (seen.has(scope))
			errors[at] = { code: "DUPLICATE_VALUES", message: "is listed twice" };
		seen.add(scope);
	});
	return errors;
}
