import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { createHtmlSanitizer } from "../../tools/html/index.js";
import { isUuid } from "../../tools/ids/index.js";
import { parseDateTime } from "../../tools/time/index.js";
import { AppError, type FieldError } from "../errors/index.js";
import type { Collection, Field } from "../model/index.js";
import { isMultiValue } from "../model/index.js";
import { fieldValueSchema } from "./record-schema.js";

/** create: a new record; replace: PUT, every field; update: PATCH, only the fields sent. */
export type WriteMode = "create" | "replace" | "update";

/**
 * Checks and normalizes the body of a record write. `privileged` (a superuser) may
 * choose a new record's id and change `readonly` fields after create.
 */
export type RecordValidator = (
	body: Record<string, unknown>,
	mode: WriteMode,
	privileged: boolean,
) => Record<string, unknown>;

const SYSTEM_FIELDS = new Set(["id", "created", "updated", "expand"]);

/**
 * Creates the validator for one collection version (docs/api.md#field-types): unknown
 * fields are a 400; missing required values and values that break a field's type or
 * options are a 422 that names every bad field. Returns the values to store, with dates
 * in canonical UTC and empty strings of non-text fields as null.
 */
export function createRecordValidator(
	collection: Collection,
	ajv: Ajv,
): RecordValidator {
	const checks = new Map<
		string,
		{
			field: Field;
			validate: ValidateFunction;
			/** An html field's sanitizer (docs/security.md#html-fields). */
			sanitize?: (html: string) => string;
		}
	>();
	for (const field of collection.fields)
		checks.set(field.name, {
			field,
			validate: ajv.compile(fieldValueSchema(field)),
			...(field.type === "html"
				? { sanitize: createHtmlSanitizer(field) }
				: {}),
		});
	return function validateRecord(body, mode, privileged) {
		rejectUnknown(body, checks, mode, privileged);
		const errors: Record<string, FieldError> = {};
		const values: Record<string, unknown> = {};
		if (privileged && mode === "create" && body.id !== undefined) {
			if (typeof body.id === "string" && isUuid(body.id)) values.id = body.id;
			else
				errors.id = {
					code: "INVALID_FORMAT",
					message: "must be a lower-case UUID",
				};
		}
		for (const [name, { field, validate, sanitize }] of checks) {
			const present = Object.hasOwn(body, name);
			if (!present && mode === "update") continue;
			// A replace by a client keeps readonly values as they are.
			if (field.readonly && mode !== "create" && !privileged) continue;
			const value = normalizeEmpty(field, present ? body[name] : null);
			if (isEmpty(field, value)) {
				if (field.required)
					errors[name] = { code: "VALUE_REQUIRED", message: "is required" };
				else if (present || mode === "replace" || mode === "create")
					values[name] = value;
				continue;
			}
			if (!validate(value)) {
				errors[name] = describe(validate.errors?.[0], field, value);
				continue;
			}
			const checked = checkSemantics(field, value);
			if ("error" in checked) errors[name] = checked.error;
			else if (!sanitize) values[name] = checked.value;
			else {
				const html = sanitize(checked.value as string);
				if (field.required && html.trim() === "")
					errors[name] = {
						code: "VALUE_REQUIRED",
						message: "is required, and nothing allowed was left of it",
					};
				else values[name] = html;
			}
		}
		if (Object.keys(errors).length > 0)
			throw new AppError("VALIDATION_FAILED", { errors });
		return values;
	};
}

function rejectUnknown(
	body: Record<string, unknown>,
	checks: Map<string, { field: Field }>,
	mode: WriteMode,
	privileged: boolean,
) {
	const errors: Record<string, FieldError> = {};
	for (const key of Object.keys(body)) {
		const field = checks.get(key)?.field;
		if (field?.readonly && mode !== "create" && !privileged) {
			errors[key] = {
				code: "READ_ONLY_FIELD",
				message: "is set on create; only superusers change it",
			};
			continue;
		}
		if (field) continue;
		if (key === "id" && privileged && mode === "create") continue;
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

/**
 * An empty list only empties a field that holds a list (or any JSON): for others it is
 * a value of the wrong type, a 422, and must not reach a text or number column.
 */
function isEmpty(field: Field, value: unknown): boolean {
	if (value === null || value === "") return true;
	return (
		Array.isArray(value) &&
		value.length === 0 &&
		(isMultiValue(field) || field.type === "json")
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
	const unstorable =
		field.type === "text" || field.type === "html"
			? unstorableText(value as string)
			: field.type === "number" || field.type === "json"
				? unstorableJson(value)
				: undefined;
	return unstorable ? { error: unstorable } : { value };
}

// In a `u` regex a surrogate pair is one code point, so this finds only lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why text cannot be stored as sent: PostgreSQL refuses NUL in text and jsonb, and
 * lone surrogates in jsonb, while SQLite would store both (and mangle the surrogate).
 */
function unstorableText(text: string): FieldError | undefined {
	if (text.includes("\u0000"))
		return {
			code: "INVALID_FORMAT",
			message: "must not contain NUL characters",
		};
	if (LONE_SURROGATE.test(text))
		return {
			code: "INVALID_FORMAT",
			message: "must not contain lone surrogate characters",
		};
	return undefined;
}

/** How deep a json value may nest: PostgreSQL's jsonb parser and JS recursion give out far below 100,000. */
const MAX_JSON_DEPTH = 100;

/**
 * Why a JSON value cannot be stored as sent: unstorable text anywhere in it, a number
 * JSON cannot hold (`1e999` parses to Infinity, which would be stored as a number or
 * as JSON null while the API shows null), or nesting deeper than MAX_JSON_DEPTH.
 * Iterative, so that the check itself cannot overflow the stack.
 */
function unstorableJson(value: unknown): FieldError | undefined {
	const pending: [unknown, number][] = [[value, 0]];
	for (let next = pending.pop(); next; next = pending.pop()) {
		const [item, depth] = next;
		if (typeof item === "string") {
			const problem = unstorableText(item);
			if (problem) return problem;
		} else if (typeof item === "number" && !Number.isFinite(item)) {
			return { code: "INVALID_TYPE", message: "must be a finite number" };
		} else if (typeof item === "object" && item !== null) {
			if (depth >= MAX_JSON_DEPTH)
				return {
					code: "TOO_DEEP",
					message: `must not nest more than ${MAX_JSON_DEPTH} levels deep`,
				};
			for (const [key, member] of Object.entries(item)) {
				const problem = unstorableText(key);
				if (problem) return problem;
				pending.push([member, depth + 1]);
			}
		}
	}
	return undefined;
}

function describe(
	error: ErrorObject | undefined,
	field: Field,
	value: unknown,
): FieldError {
	const p = (error?.params ?? {}) as Record<string, unknown>;
	switch (error?.keyword) {
		case "type":
			if (p.type === "integer" && typeof value === "number")
				return { code: "NOT_AN_INTEGER", message: "must be a whole number" };
			return {
				code: "INVALID_TYPE",
				message: `must be ${isMultiValue(field) ? "a list" : `a ${p.type === "integer" ? "number" : p.type}`}`,
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
