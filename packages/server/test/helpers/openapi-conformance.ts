import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import formatsPlugin from "ajv-formats";

const addFormats = formatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;

/** An answer as the test helpers see it. */
export interface SeenAnswer {
	method: string;
	url: string;
	status: number;
	headers: Record<string, string | string[] | number | undefined>;
	text: string;
}

interface Operation {
	pattern: RegExp;
	/** Fewer templated segments match first: `/collections/notes/records` before `{collection}`. */
	templated: number;
	responses: Record<string, Json>;
}

/**
 * Checks real answers against an OpenAPI 3.1 document: the answer's status must be
 * documented for its operation (5xx may fall to `default`), its media type must be
 * one the document lists, and a JSON body must match the schema (draft 2020-12, with
 * the document's components). Requests to paths the document does not describe
 * (unknown routes, /metrics, /docs) and preflight requests are not checked.
 */
export class OpenApiConformance {
	readonly #operations = new Map<string, Operation[]>();
	readonly #validators = new Map<string, ValidateFunction>();
	readonly #ajv: Ajv2020;

	constructor(document: Json) {
		this.#ajv = addFormats(
			new Ajv2020({ strict: false, allErrors: true, validateFormats: true }),
		);
		// Schemas refer to `#/components/schemas/X`; an id lets them refer into it.
		this.#ajv.addSchema({ components: document.components }, "openapi.json");
		const paths = document.paths as Record<string, Record<string, Json>>;
		for (const [path, methods] of Object.entries(paths)) {
			const pattern = new RegExp(
				`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
			);
			const templated = (path.match(/\{/g) ?? []).length;
			for (const [method, operation] of Object.entries(methods)) {
				const list = this.#operations.get(method.toUpperCase()) ?? [];
				list.push({
					pattern,
					templated,
					responses: operation.responses as Record<string, Json>,
				});
				list.sort((a, b) => a.templated - b.templated);
				this.#operations.set(method.toUpperCase(), list);
			}
		}
	}

	/** What is wrong with an answer, or an empty list when it conforms. */
	problems(answer: SeenAnswer): string[] {
		const path = answer.url.split("?")[0] ?? "";
		const operation = this.#operations
			.get(answer.method.toUpperCase())
			?.find((o) => o.pattern.test(path));
		if (!operation) return [];
		const where = `${answer.method} ${path} → ${answer.status}`;
		const response =
			operation.responses[String(answer.status)] ??
			(answer.status >= 500 ? operation.responses.default : undefined);
		if (!response) return [`${where}: the status is not documented`];
		if (answer.text === "" || answer.method === "HEAD") return [];
		const content = response.content as
			| Record<string, { schema?: Json }>
			| undefined;
		const type = String(answer.headers["content-type"] ?? "")
			.split(";")[0]
			?.trim();
		const media = content?.[type ?? ""];
		if (!media)
			return [
				`${where}: a ${type} body where the document says ${Object.keys(content ?? {}).join(", ") || "no body"}`,
			];
		// Only one JSON text is parsed: NDJSON (application/x-ndjson) is lines of them.
		const isJson = type === "application/json" || type?.endsWith("+json");
		if (!isJson || !media.schema) return [];
		const validate = this.#validatorFor(media.schema);
		if (validate(JSON.parse(answer.text))) return [];
		return [
			`${where}: ${this.#ajv.errorsText(validate.errors, { separator: "; " })} in ${answer.text.slice(0, 300)}`,
		];
	}

	#validatorFor(schema: Json): ValidateFunction {
		const key = JSON.stringify(schema);
		let validate = this.#validators.get(key);
		if (!validate) {
			validate = this.#ajv.compile(rebase(schema));
			this.#validators.set(key, validate);
		}
		return validate;
	}
}

/** Points a schema's `#/components/...` references into the added document. */
function rebase(schema: Json): Json {
	return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
		key === "$ref" && typeof value === "string" && value.startsWith("#/")
			? `openapi.json${value}`
			: value,
	) as Json;
}
