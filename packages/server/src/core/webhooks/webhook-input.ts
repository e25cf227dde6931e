import {
	type AddressPolicy,
	isSsrfError,
	resolveSafeTarget,
} from "../../tools/ssrf/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import { checkEventPatterns } from "./event-patterns.js";
import type { WebhookInput } from "./webhook-types.js";

/** What checkWebhookInput needs to judge a URL and event patterns. */
export interface InputChecks {
	policy: AddressPolicy;
	collectionExists(name: string): boolean;
}

const MIN_SECRET_LENGTH = 16;

/**
 * Checks the members of a webhook create or PATCH that a JSON Schema cannot: the URL
 * against the SSRF guard (http or https, and a host that is, or resolves only to,
 * allowed addresses), the event patterns against the collections, and the secret's
 * strength. Returns the input with events de-duplicated; throws VALIDATION_FAILED
 * naming every bad member.
 */
export async function checkWebhookInput(
	input: WebhookInput,
	checks: InputChecks,
): Promise<WebhookInput> {
	const errors: Record<string, FieldError> = {};
	const checked = { ...input };
	if (input.url !== undefined) {
		try {
			await resolveSafeTarget(input.url, checks.policy);
		} catch (err: unknown) {
			if (!isSsrfError(err)) throw err;
			errors.url = { code: "URL_REFUSED", message: err.reason };
		}
	}
	if (input.events !== undefined) {
		const result = checkEventPatterns(input.events, checks.collectionExists);
		if ("error" in result) errors.events = result.error;
		else checked.events = result.events;
	}
	if (input.secret !== undefined && input.secret.length < MIN_SECRET_LENGTH) {
		errors.secret = {
			code: "TOO_SHORT",
			message: `must be at least ${MIN_SECRET_LENGTH} characters (leave it out to get a generated one)`,
		};
	}
	if (Object.keys(errors).length > 0) {
		const first = Object.entries(errors)[0] as [string, FieldError];
		throw new AppError("VALIDATION_FAILED", {
			detail: `${first[0]}: ${first[1].message}.`,
			errors,
		});
	}
	return checked;
}
