/** The error codes of RFC 6749 section 5.2 (token endpoint). */
export type TokenErrorCode =
	| "invalid_request"
	| "invalid_client"
	| "invalid_grant"
	| "unauthorized_client"
	| "unsupported_grant_type"
	| "invalid_scope";

/**
 * A refusal at the token endpoint, answered as RFC 6749 section 5.2 says
 * (`{ error, error_description }`), not as problem+json: OAuth2 client libraries read
 * that shape. The description is fixed text, never a value from the request (the RFC
 * allows only printable ASCII without `"` and `\`).
 */
export class TokenError extends Error {
	readonly error: TokenErrorCode;
	/** 401 for invalid_client (with a Basic challenge), 400 for everything else. */
	readonly status: 400 | 401;

	constructor(error: TokenErrorCode, description: string) {
		super(description);
		this.name = "TokenError";
		this.error = error;
		this.status = error === "invalid_client" ? 401 : 400;
	}
}
