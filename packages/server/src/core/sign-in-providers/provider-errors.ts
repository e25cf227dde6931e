import * as oauth from "oauth4webapi";
import { coerceError } from "../../tools/errors/index.js";
import { isSsrfError } from "../../tools/ssrf/index.js";
import { AppError } from "../errors/index.js";

/** Which step with the provider failed, for the problem's detail and the log. */
export type ProviderStep =
	| "discovery"
	| "token exchange"
	| "ID token check"
	| "user info";

/**
 * Says in one clause why talking to a provider failed, for superusers reading the
 * log or the problem: the SSRF guard's reason, a timeout, an OAuth error code, or
 * oauth4webapi's message. Never a token, a claim value or a response body.
 */
export function describeProviderFailure(err: unknown): string {
	if (isSsrfError(err)) return `refused: ${err.reason}`;
	if (err instanceof oauth.ResponseBodyError)
		return `the provider answered the OAuth error "${err.error.slice(0, 64)}"`;
	const error = coerceError(err);
	if (error.name === "TimeoutError")
		return "the provider did not answer in time";
	return error.message.slice(0, 200) || error.name;
}

/** Wraps a failed exchange with the provider as OAUTH2_PROVIDER_ERROR (502). */
export function providerError(step: ProviderStep, err: unknown): AppError {
	if (err instanceof AppError) return err;
	return new AppError("OAUTH2_PROVIDER_ERROR", {
		detail: `The provider's ${step} failed: ${describeProviderFailure(err)}.`,
		cause: err,
	});
}

/** oauth4webapi's codes for a JWT that fails its checks. */
const JWT_CHECKS = new Set<string>([
	oauth.JWT_CLAIM_COMPARISON,
	oauth.JWT_TIMESTAMP_CHECK,
	oauth.KEY_SELECTION,
	oauth.PARSE_ERROR,
]);

/** Tells whether oauth4webapi refused a JWT (rather than the HTTP answer around it). */
function isJwtRefusal(err: unknown): boolean {
	if (err instanceof oauth.UnsupportedOperationError) return true;
	if (!(err instanceof oauth.OperationProcessingError)) return false;
	return JWT_CHECKS.has(err.code ?? "") || /\bJWT\b|ID Token/.test(err.message);
}

/**
 * Wraps a refused ID token (signature, issuer, audience, expiry, nonce) as
 * OAUTH2_ID_TOKEN_INVALID; an OAuth error answer or a network failure on the way
 * is the provider's, not the token's.
 */
export function idTokenError(err: unknown): AppError {
	if (!isJwtRefusal(err)) return providerError("token exchange", err);
	return new AppError("OAUTH2_ID_TOKEN_INVALID", {
		detail: `The ID token was refused: ${describeProviderFailure(err)}.`,
		cause: err,
	});
}
