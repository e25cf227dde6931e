import { type ErrorCode, errorCodes } from "./error-codes.js";

/** Why one input field was refused: a stable code and a message for people. */
export interface FieldError {
	code: string;
	message: string;
}

/** What an AppError may carry to the client besides its code. */
export interface AppErrorOptions {
	/** A specific explanation, safe to show the client (no values from the database). */
	detail?: string;
	/** Field name to the reason it was refused. */
	errors?: Record<string, FieldError>;
	/** Extra members for the problem document, e.g. `position` or `index`. */
	extensions?: Record<string, unknown>;
	/** Extra response headers, e.g. `Retry-After`. */
	headers?: Record<string, string>;
	/** The underlying failure: logged, never sent. */
	cause?: unknown;
}

/**
 * The one error type the domain throws for anything a client should hear about.
 *
 * @example throw new AppError("RECORD_NOT_FOUND", { detail: `No record "${id}" in "posts".` });
 */
export class AppError extends Error {
	readonly code: ErrorCode;
	readonly status: number;
	readonly detail: string | undefined;
	readonly errors: Record<string, FieldError> | undefined;
	readonly extensions: Record<string, unknown> | undefined;
	readonly headers: Record<string, string> | undefined;

	constructor(code: ErrorCode, options: AppErrorOptions = {}) {
		super(options.detail ?? errorCodes[code].title, { cause: options.cause });
		this.name = "AppError";
		this.code = code;
		this.status = errorCodes[code].status;
		this.detail = options.detail;
		this.errors = options.errors;
		this.extensions = options.extensions;
		this.headers = options.headers;
	}
}

/**
 * Tells whether a value is an AppError. A plain `instanceof`: an AppError made by
 * another copy of this module (a second install of basalt) does not count.
 */
export function isAppError(value: unknown): value is AppError {
	return value instanceof AppError;
}
