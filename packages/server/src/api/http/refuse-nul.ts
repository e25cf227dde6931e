import type {
	FastifySchemaCompiler,
	FastifySchemaValidationError,
} from "fastify";

type ValidationResult = ReturnType<FastifySchemaCompiler<unknown>>;

interface SchemaNode {
	type?: string | string[];
	properties?: Record<string, unknown>;
	additionalProperties?: unknown;
	items?: unknown;
}

/** The NUL character: in no name, id or setting, and never storable in PostgreSQL text. */
export const NUL = "\u0000";

/**
 * Wraps a route's params or body validator: a string the schema declares may not hold
 * NUL. No name, id or setting of Basalt has one, and PostgreSQL can neither store nor
 * compare one in text or JSON (https://www.postgresql.org/docs/current/datatype-character.html),
 * so such a value is a 400 here rather than a 500 from the database, on both
 * databases alike. Members a schema leaves free-form (a record's fields, checked by
 * the collection's own validator) are not looked into.
 */
export function refusingNul(
	validate: ValidationResult,
	schema: unknown,
): ValidationResult {
	const check = ((value: unknown) => {
		if (!validate(value)) {
			check.errors = validate.errors;
			return false;
		}
		const at = nulPathOf(schema, value, "");
		if (at === undefined) return true;
		const error: FastifySchemaValidationError = {
			instancePath: at,
			schemaPath: "#",
			keyword: "nul",
			params: {},
			message: "must not contain a NUL character",
		};
		check.errors = [error];
		return false;
	}) as ValidationResult;
	return check;
}

/** The JSON pointer of the first declared string holding NUL, or undefined. */
function nulPathOf(
	schema: unknown,
	value: unknown,
	path: string,
): string | undefined {
	if (!schema || typeof schema !== "object") return undefined;
	const node = schema as SchemaNode;
	if (typeof value === "string")
		return value.includes(NUL) && declaresString(node) ? path : undefined;
	if (value === null || typeof value !== "object") return undefined;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			const found = nulPathOf(node.items, value[i], `${path}/${i}`);
			if (found !== undefined) return found;
		}
		return undefined;
	}
	for (const key in value) {
		const declared = node.properties?.[key] ?? node.additionalProperties;
		const member = (value as Record<string, unknown>)[key];
		const found = nulPathOf(declared, member, `${path}/${key}`);
		if (found !== undefined) return found;
	}
	return undefined;
}

function declaresString(node: SchemaNode): boolean {
	return (
		node.type === "string" ||
		(Array.isArray(node.type) && node.type.includes("string"))
	);
}
