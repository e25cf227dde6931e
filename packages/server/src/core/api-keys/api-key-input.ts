import { parseDateTime } from "../../tools/time/index.js";
import { checkScopes } from "../auth/index.js";
import { AppError, type FieldError } from "../errors/index.js";

/** A new API key as the client asks for it. */
export interface ApiKeyInput {
	name: string;
	scopes: string[];
	/** ISO 8601; left out, the key does not expire. */
	expiresAt?: string | undefined;
	/** Left out: the caller. Superusers may name any record of an auth collection. */
	owner?: { collection: string; id: string } | undefined;
}

/** The members of a new key once checked. */
export interface CheckedApiKeyInput {
	name: string;
	scopes: string[];
	expiresAt: string | null;
}

/**
 * Checks what a JSON Schema cannot: the scopes' grammar (admin scopes only for keys of
 * superusers), a name that is not blank, and an expiry that is a date in the future.
 * Throws VALIDATION_FAILED naming every bad member.
 */
export function checkApiKeyInput(
	input: ApiKeyInput,
	ownerIsSuperuser: boolean,
	now: Date,
): CheckedApiKeyInput {
	const errors: Record<string, FieldError> = checkScopes(
		input.scopes,
		ownerIsSuperuser
			? undefined
			: "only API keys of superusers may hold this scope",
	);
	const name = input.name.trim();
	if (name === "")
		errors.name = { code: "VALUE_REQUIRED", message: "must not be blank" };
	let expiresAt: string | null = null;
	if (input.expiresAt !== undefined) {
		const parsed = parseDateTime(input.expiresAt);
		if (parsed === undefined)
			errors.expiresAt = {
				code: "INVALID_FORMAT",
				message: "must be an ISO 8601 date-time",
			};
		else if (Date.parse(parsed) <= now.getTime())
			errors.expiresAt = {
				code: "TOO_SMALL",
				message: "must be in the future",
			};
		else expiresAt = parsed;
	}
	const entries = Object.entries(errors);
	if (entries.length > 0) {
		const [at, first] = entries[0] as [string, FieldError];
		throw new AppError("VALIDATION_FAILED", {
			detail: `${at}: ${first.message}.`,
			errors,
		});
	}
	return { name, scopes: input.scopes, expiresAt };
}
