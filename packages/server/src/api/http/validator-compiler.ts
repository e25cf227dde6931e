import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import formatsPlugin from "ajv-formats";
import type {
	FastifySchemaCompiler,
	FastifySchemaValidationError,
} from "fastify";
import { NUL, refusingNul } from "./refuse-nul.js";

type ValidationResult = ReturnType<FastifySchemaCompiler<unknown>>;

const addFormats = formatsPlugin as unknown as (ajv: Ajv) => Ajv;

type PropertySchema = {
	type?: string;
	allowEmptyValue?: boolean;
	minimum?: number;
	maximum?: number;
};

/**
 * Creates the compiler of every route schema. Bodies, params and headers are checked
 * as sent: no type coercion, no defaults, no removal of unknown members (a body with
 * one is a 400, never silently cut). A query string is text, so it is first read by
 * its schema (readQuery), strictly: `page=1e2` or `skipTotal=yes` is a 400, not a
 * guess.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
	const ajv = addFormats(
		new Ajv({
			coerceTypes: false,
			useDefaults: false,
			removeAdditional: false,
			allErrors: true,
			allowUnionTypes: true,
			strict: false,
		}),
	);
	const queryAjv = addFormats(
		new Ajv({ useDefaults: true, allErrors: true, strict: false }),
	);
	return function compileValidator({ schema, httpPart }) {
		if (httpPart === "querystring")
			return compileQuery(queryAjv.compile(schema as object), schema);
		const validate = ajv.compile(schema as object) as ValidationResult;
		return httpPart === "params" || httpPart === "body"
			? refusingNul(validate, schema)
			: validate;
	};
}

/**
 * Reads a query string by its schema, then validates it: a repeated parameter is a
 * 400 ("given once"), an empty one is left out unless its schema allows empty values,
 * integers are digits only and within range, booleans are true/false/1/0.
 */
function compileQuery(
	validate: ValidateFunction,
	schema: unknown,
): ValidationResult {
	const properties = ((schema as { properties?: object }).properties ??
		{}) as Record<string, PropertySchema>;
	const check = ((raw: unknown) => {
		const errors: FastifySchemaValidationError[] = [];
		const value: Record<string, unknown> = {};
		for (const [name, given] of Object.entries(
			(raw ?? {}) as Record<string, unknown>,
		)) {
			const property = properties[name];
			if (property === undefined) continue;
			const read = readParam(name, given, property);
			if (read.error) errors.push(read.error);
			else if (read.present) value[name] = read.value;
		}
		if (errors.length === 0 && validate(value)) return { value };
		check.errors = errors.length > 0 ? errors : (validate.errors ?? []);
		return false;
	}) as ValidationResult;
	return check;
}

type ReadParam =
	| { present: false; error?: undefined }
	| { present: true; value: unknown; error?: undefined }
	| { error: FastifySchemaValidationError };

function readParam(
	name: string,
	given: unknown,
	property: PropertySchema,
): ReadParam {
	if (Array.isArray(given)) return invalid(name, "must be given once");
	const text = String(given);
	// A query value with NUL is refused for the reason refuse-nul.ts gives.
	if (text.includes(NUL))
		return invalid(name, "must not contain a NUL character");
	if (text === "" && !property.allowEmptyValue) return { present: false };
	switch (property.type) {
		case "integer": {
			const { minimum = 0, maximum = 999_999_999 } = property;
			if (!/^\d{1,9}$/.test(text))
				return invalid(name, "must be a whole number");
			const number = Number(text);
			if (number < minimum || number > maximum)
				return invalid(name, `must be between ${minimum} and ${maximum}`);
			return { present: true, value: number };
		}
		case "boolean":
			if (text === "true" || text === "1")
				return { present: true, value: true };
			if (text === "false" || text === "0")
				return { present: true, value: false };
			return invalid(name, "must be true or false");
		default:
			return { present: true, value: text };
	}
}

function invalid(name: string, message: string): ReadParam {
	const error: ErrorObject = {
		instancePath: `/${name}`,
		schemaPath: `#/properties/${name}`,
		keyword: "queryParameter",
		params: {},
		message,
	};
	return { error };
}
