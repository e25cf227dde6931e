/*
 * The fuzzer's map of the API, read from the live OpenAPI document
 * (docs/api.md#openapi): every path and method, its parameters and body schema, who
 * may call it, and the media types of its documented answers. Nothing here is
 * written by hand, so a route added to the server is fuzzed without a change here.
 */

/** A JSON Schema as the document writes it. */
export type JsonSchema = Record<string, unknown>;

/** A path or query parameter of an operation. */
export interface ParamSpec {
	name: string;
	in: "path" | "query";
	required: boolean;
	allowEmptyValue: boolean;
	schema: JsonSchema;
}

/** One method on one path of the document. */
export interface Operation {
	method: string;
	/** The path template, e.g. `/api/v1/collections/{collection}/records/{id}`. */
	path: string;
	params: ParamSpec[];
	body:
		| { required: boolean; contentTypes: string[]; schema: JsonSchema }
		| undefined;
	/** `security` lists `{}`: guests may call it. */
	guestsAllowed: boolean;
	tags: string[];
	/** The collection a per-collection path names (`/collections/posts/records`). */
	collection: string | undefined;
	/** Documented status to its media types (`default` for 5xx). */
	responses: Record<string, string[]>;
}

type Doc = {
	paths: Record<string, Record<string, Record<string, unknown>>>;
	components: { schemas: Record<string, JsonSchema> };
};

const PER_COLLECTION = /^\/api\/v1\/collections\/([a-z][a-z0-9_]*)\/records/;

/** Reads every operation of the document. */
export function operationsOf(document: unknown): Operation[] {
	const doc = document as Doc;
	const operations: Operation[] = [];
	for (const [path, methods] of Object.entries(doc.paths)) {
		for (const [method, op] of Object.entries(methods)) {
			const parameters = (op.parameters ?? []) as Record<string, unknown>[];
			const security = (op.security ?? []) as Record<string, unknown>[];
			const requestBody = op.requestBody as
				| {
						required?: boolean;
						content: Record<string, { schema?: JsonSchema }>;
				  }
				| undefined;
			const content = requestBody?.content ?? {};
			const firstSchema = Object.values(content)[0]?.schema;
			operations.push({
				method: method.toUpperCase(),
				path,
				params: parameters.map((p) => ({
					name: String(p.name),
					in: p.in as "path" | "query",
					required: p.required === true,
					allowEmptyValue: p.allowEmptyValue === true,
					schema: (p.schema ?? {}) as JsonSchema,
				})),
				body: requestBody
					? {
							required: requestBody.required === true,
							contentTypes: Object.keys(content),
							schema: firstSchema ?? {},
						}
					: undefined,
				guestsAllowed: security.some((s) => Object.keys(s).length === 0),
				tags: (op.tags ?? []) as string[],
				collection: PER_COLLECTION.exec(path)?.[1],
				responses: Object.fromEntries(
					Object.entries(
						(op.responses ?? {}) as Record<
							string,
							{ content?: Record<string, unknown> }
						>,
					).map(([status, r]) => [status, Object.keys(r.content ?? {})]),
				),
			});
		}
	}
	return operations;
}

/** Follows `$ref`s into the document's components. */
export function createResolver(document: unknown) {
	const schemas = (document as Doc).components.schemas;
	return function resolve(schema: JsonSchema): JsonSchema {
		let current = schema;
		for (let hops = 0; typeof current.$ref === "string" && hops < 10; hops++) {
			const name = current.$ref.replace("#/components/schemas/", "");
			current = schemas[name] ?? {};
		}
		return current;
	};
}

/** The schema of a component by name, e.g. `record.posts.create`. */
export function componentOf(
	document: unknown,
	name: string,
): JsonSchema | undefined {
	return (document as Doc).components.schemas[name];
}

/**
 * Finds the operation a request went to, the way the router does: literal paths
 * before templated ones. Undefined for paths the document does not describe.
 */
export function createOperationMatcher(operations: readonly Operation[]) {
	// Indexed by method and segment count, each list literal paths first.
	const index = new Map<
		string,
		{ op: Operation; templated: number; pattern: RegExp }[]
	>();
	for (const op of operations) {
		const key = `${op.method} ${op.path.split("/").length}`;
		const list = index.get(key) ?? [];
		list.push({
			op,
			templated: (op.path.match(/\{/g) ?? []).length,
			pattern: new RegExp(
				`^${op.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`,
			),
		});
		list.sort((a, b) => a.templated - b.templated);
		index.set(key, list);
	}
	return function operationAt(
		method: string,
		path: string,
	): Operation | undefined {
		const key = `${method.toUpperCase()} ${path.split("/").length}`;
		return index.get(key)?.find((c) => c.pattern.test(path))?.op;
	};
}
