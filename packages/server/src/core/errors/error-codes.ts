/**
 * The one registry of error codes Basalt sends to clients (docs/errors.md#codes).
 *
 * Every `AppError` names one of these codes; the HTTP layer renders it as
 * problem+json with this status and title. `docs/errors.md` documents each code and a
 * test keeps the two in step. Titles are safe to show anyone: no values, no SQL.
 */
export const errorCodes = {
	MALFORMED_JSON: { status: 400, title: "The request body is not valid JSON." },
	INVALID_BODY: {
		status: 400,
		title: "The request body does not match what this endpoint accepts.",
	},
	INVALID_URL: {
		status: 400,
		title: "The URL is malformed.",
	},
	INVALID_HEADER: { status: 400, title: "A request header is invalid." },
	MALFORMED_REQUEST: {
		status: 400,
		title: "The request is not valid HTTP.",
	},
	REQUEST_TIMEOUT: {
		status: 408,
		title: "The request did not arrive in time.",
	},
	HEADERS_TOO_LARGE: {
		status: 431,
		title: "The request's headers are too large.",
	},
	INVALID_QUERY: { status: 400, title: "A query parameter is invalid." },
	INVALID_FILTER: { status: 400, title: "The filter expression is invalid." },
	INVALID_SORT: { status: 400, title: "The sort expression is invalid." },
	INVALID_CURSOR: {
		status: 400,
		title: "The cursor is invalid or belongs to another query.",
	},
	INVALID_EXPAND: {
		status: 400,
		title: "The expand list names a field that is not a relation.",
	},
	UNKNOWN_FIELD: {
		status: 400,
		title: "The body names fields the collection does not have.",
	},
	INVALID_BATCH: { status: 400, title: "The batch request is invalid." },
	NOT_AUTH_COLLECTION: {
		status: 400,
		title: "The collection holds no accounts.",
	},
	ACCOUNT_TOKEN_INVALID: {
		status: 400,
		title: "The link is invalid, already used or expired.",
	},
	INVALID_CREDENTIALS: {
		status: 400,
		title: "The identity or password is wrong.",
	},
	AUTH_REQUIRED: { status: 401, title: "Authentication is required." },
	INVALID_TOKEN: {
		status: 401,
		title: "The access token is invalid or expired.",
	},
	SUPERUSER_REQUIRED: { status: 403, title: "Only superusers may do this." },
	INSUFFICIENT_SCOPE: {
		status: 403,
		title: "The API key or client token lacks the scope this needs.",
	},
	SESSION_REQUIRED: {
		status: 403,
		title: "This needs a signed-in account, not an API key or client token.",
	},
	RULE_DENIED: {
		status: 403,
		title: "The collection's rules do not allow this.",
	},
	ROUTE_NOT_FOUND: { status: 404, title: "No such endpoint." },
	COLLECTION_NOT_FOUND: {
		status: 404,
		title: "The collection does not exist.",
	},
	RECORD_NOT_FOUND: { status: 404, title: "The record does not exist." },
	METHOD_NOT_ALLOWED: {
		status: 405,
		title: "This method is not allowed on this endpoint.",
	},
	NOT_ACCEPTABLE: {
		status: 406,
		title: "The requested media type cannot be produced.",
	},
	JOB_NOT_FOUND: { status: 404, title: "The job does not exist." },
	KEY_NOT_FOUND: { status: 404, title: "The data key is not in the key ring." },
	QUEUE_NOT_FOUND: { status: 404, title: "The queue does not exist." },
	WEBHOOK_NOT_FOUND: { status: 404, title: "The webhook does not exist." },
	API_KEY_NOT_FOUND: { status: 404, title: "The API key does not exist." },
	OAUTH_CLIENT_NOT_FOUND: {
		status: 404,
		title: "The OAuth client does not exist.",
	},
	DELIVERY_NOT_FOUND: {
		status: 404,
		title: "The webhook delivery does not exist.",
	},
	JOB_NOT_RETRYABLE: {
		status: 409,
		title: "Only failed or cancelled jobs can be retried.",
	},
	EXPORT_NOT_READY: {
		status: 409,
		title: "The export has not finished.",
	},
	JOB_NOT_CANCELLABLE: {
		status: 409,
		title: "Only waiting or delayed jobs can be cancelled.",
	},
	API_KEY_LIMIT_REACHED: {
		status: 409,
		title: "The account has as many API keys as it may have.",
	},
	COLLECTION_EXISTS: {
		status: 409,
		title: "A collection with this name already exists.",
	},
	COLLECTION_IN_USE: {
		status: 409,
		title: "Other collections still refer to this collection.",
	},
	KEY_IN_USE: {
		status: 409,
		title: "The data key is active or still seals stored values.",
	},
	RECORD_IN_USE: {
		status: 409,
		title: "Other records still refer to this record.",
	},
	UNIQUE_VIOLATION: {
		status: 409,
		title: "A record with this value already exists.",
	},
	PRECONDITION_FAILED: {
		status: 412,
		title: "The record changed since the given ETag.",
	},
	URL_TOO_LONG: {
		status: 414,
		title: "A part of the URL is too long.",
	},
	PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large." },
	UNSUPPORTED_MEDIA_TYPE: {
		status: 415,
		title: "The request body's media type is not supported.",
	},
	VALIDATION_FAILED: { status: 422, title: "Some fields are invalid." },
	INVALID_SCHEMA: {
		status: 422,
		title: "The collection definition is invalid.",
	},
	SCHEMA_CHANGE_REFUSED: {
		status: 422,
		title: "The schema change cannot be applied to the existing data.",
	},
	IDEMPOTENCY_KEY_REUSED: {
		status: 422,
		title: "This Idempotency-Key was used with a different request.",
	},
	OAUTH2_PROVIDER_NOT_FOUND: {
		status: 404,
		title:
			"The OAuth2 provider does not exist, is inactive, or is not offered for this collection.",
	},
	OAUTH2_LINK_NOT_FOUND: {
		status: 404,
		title: "The account is not linked to this OAuth2 provider.",
	},
	OAUTH2_PROVIDER_EXISTS: {
		status: 409,
		title: "An OAuth2 provider with this name already exists.",
	},
	OAUTH2_REDIRECT_NOT_ALLOWED: {
		status: 400,
		title: "The redirect URL is not one the OAuth2 provider allows.",
	},
	OAUTH2_STATE_INVALID: {
		status: 400,
		title: "The OAuth2 sign-in attempt is unknown, expired or already used.",
	},
	OAUTH2_CODE_INVALID: {
		status: 400,
		title: "The OAuth2 exchange code is unknown, expired or already used.",
	},
	OAUTH2_AUTHORIZATION_DENIED: {
		status: 403,
		title: "The OAuth2 provider did not authorize the sign-in.",
	},
	OAUTH2_ID_TOKEN_INVALID: {
		status: 400,
		title: "The OAuth2 provider's answer failed validation.",
	},
	OAUTH2_PROVIDER_ERROR: {
		status: 502,
		title: "The OAuth2 provider could not be reached or answered wrongly.",
	},
	OAUTH2_EMAIL_MISSING: {
		status: 400,
		title: "The OAuth2 provider shared no email address for the account.",
	},
	OAUTH2_EMAIL_NOT_VERIFIED: {
		status: 403,
		title:
			"An account with this email exists, and the OAuth2 provider does not vouch that the email is verified.",
	},
	OAUTH2_SIGNUP_CLOSED: {
		status: 403,
		title: "The collection does not allow new accounts through OAuth2.",
	},
	RATE_LIMITED: { status: 429, title: "Too many requests." },
	INTERNAL_ERROR: { status: 500, title: "Something went wrong on our side." },
	ENCRYPTED_VALUE_UNREADABLE: {
		status: 500,
		title:
			"A stored encrypted value does not open: it was altered, moved, or its key was removed.",
	},
	NOT_READY: { status: 503, title: "The server is not ready." },
	SCHEMA_CHANGED: {
		status: 503,
		title: "The collection's schema changed while the request ran; retry it.",
	},
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof errorCodes;

/** Tells whether a string is a registered error code. */
export function isErrorCode(value: string): value is ErrorCode {
	return Object.hasOwn(errorCodes, value);
}
