/** A JSON Schema object. */
export type Schema = Readonly<Record<string, unknown>>;

/** One way to be let in, as OpenAPI writes it: a scheme name and its scopes. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** What a route lets in; every documented route says it explicitly. */
export type Security = readonly SecurityRequirement[];

/** No credentials needed or read: health, sign-in, sign-up, public keys. */
export const PUBLIC = [] as const satisfies Security;
/** A bearer token is required (an access token, API key or client token). */
export const BEARER = [{ bearer: [] }] as const satisfies Security;
/**
 * A bearer token is read when sent, and guests are let in too: what they see is
 * then up to the collection's rules.
 */
export const BEARER_OR_GUEST = [{ bearer: [] }, {}] as const satisfies Security;

/** An answer as OpenAPI describes it: a sentence, and its body by media type. */
export interface ResponseDoc {
	readonly description: string;
	readonly content?: Readonly<Record<string, { readonly schema: Schema }>>;
	readonly headers?: Readonly<Record<string, Schema>>;
}

/**
 * What each route declares in its Fastify `schema`: Fastify validates `params`,
 * `querystring` and `body` with it, the type provider types the handler from it, and
 * the OpenAPI document is built from all of it (api/openapi/build-openapi.ts).
 */
export interface RouteSchema {
	readonly summary: string;
	readonly description?: string;
	readonly tags: readonly string[];
	readonly security: Security;
	readonly params?: Schema;
	readonly querystring?: Schema;
	readonly body?: Schema;
	/**
	 * The body as documented, for a route whose body Fastify must not validate: a
	 * stream its own content-type parser hands over (an import). Fastify reads only
	 * `body`; the OpenAPI document reads `body`, else this.
	 */
	readonly bodyDoc?: Schema;
	/** Body media types when the body is not JSON (a CSV upload, an OAuth2 form). */
	readonly consumes?: readonly string[];
	readonly response: Readonly<Record<string, ResponseDoc>>;
	readonly deprecated?: boolean;
	/**
	 * A records route: the OpenAPI document repeats it under each collection's own
	 * path, with that collection's record schemas in place of the generic ones.
	 */
	readonly perCollection?: boolean;
}

/** A reference to a schema of the document's `components.schemas`. */
export function ref(name: string): Schema {
	return { $ref: `#/components/schemas/${name}` };
}

/** A JSON answer. */
export function json(description: string, schema: Schema): ResponseDoc {
	return { description, content: { "application/json": { schema } } };
}

/** An answer without a body (204, 304, a redirect). */
export function empty(
	description: string,
	headers?: Readonly<Record<string, Schema>>,
): ResponseDoc {
	return headers ? { description, headers } : { description };
}

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
	400: "Malformed input: bad JSON, a bad query parameter or filter, an unknown field",
	401: "No valid credentials (WWW-Authenticate says why)",
	403: "The caller may not do this",
	404: "No such resource, or one the rules hide",
	405: "The method is not allowed here",
	409: "A unique value is taken, or the state does not allow it",
	412: "If-Match named another version",
	413: "The body is larger than the server accepts",
	414: "A path segment is longer than 256 characters",
	415: "The body's media type is not accepted here",
	422: "Some fields are invalid",
	429: "Too many requests (Retry-After says when to try again)",
	502: "An upstream server (an OAuth2 provider) failed",
	503: "The server is not ready",
};

/**
 * Problem answers (RFC 9457 application/problem+json, docs/errors.md) for the given
 * statuses, to spread into a route's `response`.
 */
export function problems(
	...statuses: number[]
): Readonly<Record<string, ResponseDoc>> {
	return Object.fromEntries(
		statuses.map((status) => [
			String(status),
			{
				description: PROBLEM_DESCRIPTIONS[status] ?? "An error",
				content: { "application/problem+json": { schema: ref("Problem") } },
			},
		]),
	);
}

/** The page of a list answer: `{ items, page, perPage, totalItems, totalPages }`. */
export function pageOf(item: Schema, extra: Schema = {}): Schema {
	return {
		type: "object",
		required: ["items", "page", "perPage", "totalItems", "totalPages"],
		properties: {
			items: { type: "array", items: item },
			page: { type: "integer" },
			perPage: { type: "integer" },
			totalItems: { type: "integer" },
			totalPages: { type: "integer" },
			...extra,
		},
	};
}
