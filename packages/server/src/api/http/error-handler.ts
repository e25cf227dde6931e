import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import {
	AppError,
	type ErrorCode,
	type FieldError,
} from "../../core/errors/index.js";
import { coerceError } from "../../tools/errors/index.js";
import { sendProblem } from "./problem.js";

interface ValidationIssue {
	instancePath: string;
	keyword: string;
	message?: string;
	params: Record<string, unknown>;
}

const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
	FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
	FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
	FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INVALID_BODY",
	FST_ERR_CTP_INVALID_JSON_BODY: "MALFORMED_JSON",
};

const BY_STATUS: Record<number, ErrorCode> = {
	400: "INVALID_BODY",
	404: "ROUTE_NOT_FOUND",
	405: "METHOD_NOT_ALLOWED",
	406: "NOT_ACCEPTABLE",
	413: "PAYLOAD_TOO_LARGE",
	415: "UNSUPPORTED_MEDIA_TYPE",
	429: "RATE_LIMITED",
};

/**
 * The one error handler: every failure leaves as problem+json. AppErrors say what the
 * client did wrong; Fastify's own errors are mapped to registry codes; anything else
 * is logged with its stack and answered 500 without a word of its message.
 */
export function createErrorHandler() {
	return function handleError(
		error: FastifyError,
		request: FastifyRequest,
		reply: FastifyReply,
	) {
		const appError = toAppError(error);
		if (appError.status >= 500) {
			request.log.error(
				{ err: coerceError(error), requestId: request.id },
				"request failed",
			);
		} else if (appError.cause) {
			request.log.debug(
				{ err: coerceError(appError.cause), requestId: request.id },
				"client error cause",
			);
		}
		return sendProblem(reply, request, appError);
	};
}

function toAppError(error: FastifyError): AppError {
	if (error instanceof AppError) return error;
	if (Array.isArray(error.validation))
		return validationError(
			error.validation as ValidationIssue[],
			error,
			(error as { validationContext?: string }).validationContext,
		);
	const byCode = error.code ? BY_FASTIFY_CODE[error.code] : undefined;
	if (byCode)
		return new AppError(byCode, {
			detail: describeFastifyError(byCode, error),
			cause: error,
		});
	const status = error.statusCode ?? 500;
	if (
		status === 400 &&
		(error instanceof SyntaxError ||
			/JSON|prototype|constructor/i.test(error.message))
	) {
		return new AppError("MALFORMED_JSON", {
			detail: describeJsonError(error),
			cause: error,
		});
	}
	const mapped = BY_STATUS[status];
	if (mapped) return new AppError(mapped, { cause: error });
	return new AppError("INTERNAL_ERROR", { cause: error });
}

function describeFastifyError(
	code: ErrorCode,
	error: FastifyError,
): string | undefined {
	if (code === "UNSUPPORTED_MEDIA_TYPE")
		return "Send JSON with Content-Type: application/json.";
	if (code === "PAYLOAD_TOO_LARGE")
		return "The request body is larger than the server accepts.";
	if (code === "MALFORMED_JSON") return describeJsonError(error);
	return undefined;
}

function describeJsonError(error: Error): string {
	if (/prototype|constructor/i.test(error.message))
		return "JSON keys __proto__ and constructor.prototype are not allowed.";
	return "The body is not valid JSON.";
}

function validationError(
	issues: ValidationIssue[],
	cause: Error,
	context: string | undefined,
): AppError {
	const errors: Record<string, FieldError> = {};
	for (const issue of issues) {
		const base = issue.instancePath.split("/").filter(Boolean).join(".");
		const extra =
			issue.params.additionalProperty ?? issue.params.missingProperty;
		const at =
			[base, extra].filter((p) => p !== undefined && p !== "").join(".") ||
			"body";
		errors[at] ??= issueToFieldError(issue);
	}
	const unknownOnly = issues.every((i) => i.keyword === "additionalProperties");
	const code =
		context === "querystring"
			? "INVALID_QUERY"
			: context === "params"
				? "INVALID_URL"
				: unknownOnly
					? "UNKNOWN_FIELD"
					: "INVALID_BODY";
	return new AppError(code, {
		detail: Object.entries(errors)
			.map(([at, e]) => `${at}: ${e.message}`)
			.join("; "),
		errors,
		cause,
	});
}

function issueToFieldError(issue: ValidationIssue): FieldError {
	switch (issue.keyword) {
		case "additionalProperties":
			return { code: "UNKNOWN_FIELD", message: "is not accepted here" };
		case "required":
			return { code: "VALUE_REQUIRED", message: "is required" };
		case "type":
			return {
				code: "INVALID_TYPE",
				message: `must be ${String(issue.params.type)}`,
			};
		case "enum":
			return {
				code: "INVALID_OPTION",
				message: `must be one of ${(issue.params.allowedValues as unknown[]).join(", ")}`,
			};
		default:
			return { code: "INVALID_VALUE", message: issue.message ?? "is invalid" };
	}
}
