import { isErrorCode } from "../../src/core/errors/index.js";

/** The documented answers of an operation: status to media types. */
export interface DocumentedAnswers {
	responses: Record<string, string[]>;
}

/*
 * What every answer must be, whoever asked and whatever they sent
 * (docs/api.md#conventions, docs/errors.md): never a 5xx; a 4xx is
 * application/problem+json with a registered code (or the media type the document
 * gives that answer, as for the OAuth2 token endpoint's RFC 6749 errors); and no
 * answer carries SQL, a driver's words, a stack trace or a file path of the server.
 */

/** An answer as the fuzzer sees it. */
export interface Answer {
	status: number;
	headers: Record<string, string | string[] | number | undefined>;
	text: string;
	/** The body parsed as JSON, or undefined. */
	json: unknown;
}

/** A request as the checks need it: what it sent, to tell echoes from leaks. */
export interface SentRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: string | undefined;
	/** The operation it went to, when known (test/fuzz/openapi-operations.ts). */
	op?: DocumentedAnswers | undefined;
}

// Text that only a query, a database driver or a stack trace would put in an answer.
const LEAKS: readonly RegExp[] = [
	/SELECT .{0,200}? FROM/gi,
	/INSERT INTO|DELETE FROM|UPDATE \S+ SET/gi,
	/sqlite/gi,
	/SQLITE_[A-Z]+/g,
	/syntax error at or near/gi,
	/violates [a-z ]+ constraint/gi,
	/relation "[^"]*" does not exist/gi,
	/\bat [^\n]{0,200}\.[jt]s:\d+/g,
	/\/work\//g,
	/node_modules/g,
	/\/packages\//g,
	/\/tmp\/basalt-/g,
	/TypeError|RangeError|ReferenceError|Cannot read propert/g,
	/\$argon2id\$/g,
];

/** One pass over an answer that looks for any of LEAKS; most answers have none. */
const ANY_LEAK = new RegExp(LEAKS.map((r) => r.source).join("|"), "i");

/** Everything the request said, decoded, so an answer may echo it. */
export function requestText(req: SentRequest): string {
	let url = req.url;
	try {
		url = decodeURIComponent(req.url);
	} catch {
		// A broken escape is sent as is; the raw URL is what may come back.
	}
	return `${req.method} ${url} ${req.url} ${Object.values(req.headers).join(" ")} ${req.body ?? ""}`.toLowerCase();
}

/**
 * Finds text in `haystack` that looks like a leak and is not an echo of the request
 * (`echo` gives the request's text; it is made only when something matched).
 */
export function leaksIn(haystack: string, echo: () => string): string[] {
	if (!ANY_LEAK.test(haystack)) return [];
	const found: string[] = [];
	for (const pattern of LEAKS) {
		for (const match of haystack.matchAll(pattern)) {
			if (!echo().includes(match[0].toLowerCase())) found.push(match[0]);
		}
	}
	return found;
}

/** Tells whether the document gives this answer a media type other than problem+json. */
function documentedElsewise(
	op: DocumentedAnswers | undefined,
	status: number,
	type: string,
): boolean {
	const types = op?.responses[String(status)] ?? [];
	return types.includes(type) && !types.includes("application/problem+json");
}

/** What is wrong with an answer; empty when it is fine. */
export function answerProblems(req: SentRequest, res: Answer): string[] {
	const problems: string[] = [];
	if (res.status >= 500) problems.push(`a ${res.status} answer`);
	let text: string | undefined;
	const echo = () => {
		text ??= requestText(req);
		return text;
	};
	for (const [name, value] of Object.entries(res.headers)) {
		for (const leak of leaksIn(`${name}: ${String(value)}`, echo))
			problems.push(`header ${name} leaks "${leak}"`);
	}
	if (res.status >= 400 || res.status < 200) {
		for (const leak of leaksIn(res.text, echo))
			problems.push(`the body leaks "${leak}"`);
	}
	if (res.status >= 400) problems.push(...problemDocumentProblems(req, res));
	return problems;
}

function problemDocumentProblems(req: SentRequest, res: Answer): string[] {
	const type =
		String(res.headers["content-type"] ?? "")
			.split(";")[0]
			?.trim() ?? "";
	if (documentedElsewise(req.op, res.status, type)) return [];
	if (type !== "application/problem+json")
		return [
			`a ${res.status} answer as "${type}", not application/problem+json`,
		];
	if (req.method === "HEAD") return [];
	const problem = res.json as Record<string, unknown> | undefined;
	if (!problem || typeof problem !== "object")
		return ["a problem+json body that is not a JSON object"];
	const out: string[] = [];
	const code = problem.code;
	if (typeof code !== "string" || !isErrorCode(code))
		out.push(`the code ${JSON.stringify(code)} is not in the error registry`);
	if (problem.status !== res.status)
		out.push(
			`problem.status ${String(problem.status)} is not the HTTP status ${res.status}`,
		);
	if (typeof problem.type !== "string" || typeof problem.title !== "string")
		out.push("a problem without type or title");
	if (problem.requestId !== res.headers["x-request-id"])
		out.push("problem.requestId is not the X-Request-Id header");
	return out;
}
