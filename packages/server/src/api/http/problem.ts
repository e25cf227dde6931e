import type { FastifyReply, FastifyRequest } from "fastify";
import {
	AppError,
	type ErrorCode,
	errorCodes,
	type FieldError,
} from "../../core/errors/index.js";

/** The RFC 9457 problem document Basalt sends for every error (docs/errors.md). */
export interface Problem {
	type: string;
	title: string;
	status: number;
	detail: string;
	instance: string;
	code: ErrorCode;
	requestId: string;
	errors?: Record<string, FieldError>;
	[extension: string]: unknown;
}

/** The problem `type` of an error code: `urn:basalt:error:invalid-body`, … */
export function problemTypeOf(code: ErrorCode): string {
	return `urn:basalt:error:${code.toLowerCase().replaceAll("_", "-")}`;
}

/** Builds the problem document for an AppError raised while serving `request`. */
export function problemOf(err: AppError, request: FastifyRequest): Problem {
	const { title } = errorCodes[err.code];
	return {
		...err.extensions,
		type: problemTypeOf(err.code),
		title,
		status: err.status,
		detail: err.detail ?? title,
		// The path only: query strings may carry tokens or personal data.
		instance: (request.url.split("?")[0] ?? "/").slice(0, 256),
		code: err.code,
		requestId: request.id,
		...(err.errors ? { errors: err.errors } : {}),
	};
}

/** Sends an AppError as problem+json with its headers (WWW-Authenticate on 401). */
export function sendProblem(
	reply: FastifyReply,
	request: FastifyRequest,
	err: AppError,
): FastifyReply {
	if (err.headers) reply.headers(err.headers);
	if (err.status === 401 && !reply.hasHeader("www-authenticate")) {
		reply.header(
			"www-authenticate",
			err.code === "INVALID_TOKEN"
				? 'Bearer error="invalid_token"'
				: 'Bearer realm="basalt"',
		);
	}
	return reply
		.code(err.status)
		.type("application/problem+json")
		.send(JSON.stringify(problemOf(err, request)));
}

export { AppError };
