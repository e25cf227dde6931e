import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { AppError, type FieldError } from "../../tools/errors/index.js";
import { isUuid } from "../../tools/ids/index.js";
import { parseDateTime } from "../../tools/time/index.js";
import type { Collection, Field } from "../collections/index.js";
import { isMultiValue } from "../collections/index.js";
import { fieldValueSchema } from "./record-schema.js";

/** create: a new record; replace: PUT, every field; update: PATCH, only the fields sent. */
export type WriteMode = "create" | "replace" | "update";

/** Checks and normalizes the body of a record write. */
export type RecordValidator = (
	body: Record<string, unknown>,
	mode: WriteMode,
	allowId: boolean,
) => Record<string, unknown>;

const SYSTEM_FIELDS = new Set(["id", "created", "updated", "expand"]);

/**
 * Creates the validator for one collection version (SPEC sections 3 and 4): unknown
 * fields are a 400; missing required values and values that break a field's type or
 * options are a 422 that names every bad field. Returns the values to store, with
 * dates in canonical UTC and empty strings of non-text fields as null.
 */
export function createRecordValidator(
	collection: Collection,
	ajv: Ajv,
): RecordValidator {
	const checks = new Map<
		string,
		{ field: Field; validate: ValidateFunction }
	>();
	for (const field of collection.fields)
		checks.set(field.name, {
			field,
			validate: ajv.compile(fieldValueSchema(field)),
		});
	return function validateRecord(body, mode, allowId) {
		rejectUnknown(body, checks, mode, allowId);
		const errors: Record<string, FieldError> = {};
		const values: Record<string, unknown> = {};
		if (allowId && body.id !== undefined) {
			if (typeof body.id === "string" && isUuid(body.id)) values.id = body.id;
			else
				errors.id = {
					code: "INVALID_FORMAT",
					message: "must be a lower-case UUID",
				};
		}
		for (const [name, { field, validate }] of checks) {
			const present = Object.hasOwn(body, name);
			if (!present && mode === "update") continue;
			const value = normalizeEmpty(field, present ? body[name] : null);
			if (isEmpty(value)) {
				if (field.required)
					errors[name] = { code: "VALUE_REQUIRED", message: "is required" };
				else if (present || mode === "replace" || mode === "create")
					values[name] = value;
				continue;
			}
			if (!validate(value)) {
				errors[name] = describe(validate.errors?.[0], field);
				continue;
			}
			const checked = checkSemantics(field, value);
			if ("error" in checked) errors[name] = checked.error;
			else values[name] = checked.value;
		}
		if (Object.keys(errors).length > 0)
			throw new AppError("VALIDATION_FAILED", { errors });
		return values;
	};
}

function rejectUnknown(
	body: Record<string, unknown>,
	checks: Map<string, unknown>,
	mode: WriteMode,
	allowId: boolean,
) {
	const errors: Record<string, FieldError> = {};
	for (const key of Object.keys(body)) {
		if (checks.has(key)) continue;
		if (key === "id" && allowId && mode === "create") continue;
		errors[key] = SYSTEM_FIELDS.has(key)
			? {
					code: "READ_ONLY_FIELD",
					message: "is set by the server and cannot be written",
				}
			: { code: "UNKNOWN_FIELD", message: "is not a field of this collection" };
	}
	if (Object.keys(errors).length > 0) {
		throw new AppError("UNKNOWN_FIELD", {
			detail: `Fields not accepted: ${Object.keys(errors).join(", ")}.`,
			errors,
		});
	}
}

function normalizeEmpty(field: Field, value: unknown): unknown {
	if (value === undefined) return null;
	if (value === "" && field.type !== "text") return null;
	return value;
}

function isEmpty(value: unknown): boolean {
	return (
		value === null ||
		value === "" ||
		(Array.isArray(value) && value.length === 0)
	);
}

function checkSemantics(
	field: Field,
	value: unknown,
): { value: unknown } | { error: FieldError } {
	if (field.type === "date") {
		const iso = parseDateTime(value as string);
		if (iso === undefined)
			return {
				error: {
					code: "INVALID_FORMAT",
					message: "must be an ISO 8601 date-time",
				},
			};
		if (field.min !== undefined && iso < field.min)
			return {
				error: { code: "TOO_SMALL", message: `must be ${field.min} or later` },
			};
		if (field.max !== undefined && iso > field.max)
			return {
				error: {
					code: "TOO_LARGE",
					message: `must be ${field.max} or earlier`,
				},
			};
		return { value: iso };
	}
	if (field.type === "url" && !/^https?:\/\//i.test(value as string)) {
		return {
			error: {
				code: "INVALID_FORMAT",
				message: "must be an http or https URL",
			},
		};
	}
	if (field.type === "text" && (value as string).includes("\u0000")) {
		return {
			error: {
				code: "INVALID_FORMAT",
				message: "must not contain NUL characters",
			},
		};
	}
	if (field.type === "json" && JSON.stringify(value).includes("\\u0000")) {
		return {
			error: {
				code: "INVALID_FORMAT",
				message: "must not contain NUL characters",
			},
		};
	}
	return { value };
}

function describe(error: ErrorObject | undefined, field: Field): FieldError {
	const p = (error?.params ?? {}) as Record<string, unknown>;
	switch (error?.keyword) {
		case "type":
			if (p.type === "integer")
				return { code: "NOT_AN_INTEGER", message: "must be a whole number" };
			return {
				code: "INVALID_TYPE",
				message: `must be ${isMultiValue(field) ? "a list" : `a ${p.type}`}`,
			};
		case "minLength":
			return {
				code: "TOO_SHORT",
				message: `must be at least ${p.limit} characters`,
			};
		case "maxLength":
			return {
				code: "TOO_LONG",
				message: `must be at most ${p.limit} characters`,
			};
		case "minimum":
			return { code: "TOO_SMALL", message: `must be ${p.limit} or more` };
		case "maximum":
			return { code: "TOO_LARGE", message: `must be ${p.limit} or less` };
		case "pattern":
			return field.type === "relation"
				? { code: "INVALID_FORMAT", message: "must be a record id" }
				: {
						code: "PATTERN_MISMATCH",
						message: "does not match the required pattern",
					};
		case "format":
			return {
				code: "INVALID_FORMAT",
				message: `must be a valid ${field.type === "url" ? "URL" : field.type}`,
			};
		case "enum":
			return {
				code: "INVALID_OPTION",
				message: "must be one of the field's values",
			};
		case "maxItems":
			return {
				code: "TOO_MANY_VALUES",
				message: `must hold at most ${p.limit} values`,
			};
		case "uniqueItems":
			return { code: "DUPLICATE_VALUES", message: "must not repeat a value" };
		default:
			return { code: "INVALID_VALUE", message: "is invalid" };
	}
}
