import fc from "fast-check";
import { headerValue } from "../helpers/header-value.js";
import type { Operation } from "./openapi-operations.js";
import { type PlanContext, rarely } from "./plan-context.js";
import { naughtyString } from "./schema-values.js";

/** Headers besides Authorization: each rare, valid or hostile (ETags from the pool). */
export function headersFor(
	op: Operation,
	ctx: PlanContext,
): fc.Arbitrary<Record<string, string>> {
	const idempotencyKey = fc.oneof(
		fc.constantFrom("k1", "k2", "retry-1", "a".repeat(255)),
		fc.constantFrom("a".repeat(256), "ключ", "has space", ""),
		fc.string({ minLength: 1, maxLength: 20 }),
	);
	const etag = fc.oneof(
		fc.nat().map((n) => ctx.pools.pick("etags", n) ?? '"x"'),
		fc.constantFrom("*", 'W/"x"', '"nope"', "", '"a", "b"'),
		naughtyString,
	);
	const optional = (value: fc.Arbitrary<string>, oneIn: number) =>
		rarely(value, oneIn);
	const some = fc
		.record({
			accept: optional(
				fc.constantFrom(
					"application/json",
					"*/*",
					"text/html",
					"application/xml",
					"application/problem+json",
					"text/csv;q=0.1, */*;q=0",
				),
				8,
			),
			"if-match": optional(etag, op.method === "GET" ? 40 : 6),
			"if-none-match": optional(etag, op.method === "GET" ? 6 : 40),
			"idempotency-key": optional(
				idempotencyKey,
				op.method === "POST" ? 4 : 40,
			),
			"x-request-id": optional(
				fc.oneof(
					fc.constantFrom("req-1", "a".repeat(128), "a".repeat(129)),
					naughtyString,
				),
				12,
			),
			origin: optional(
				fc.constantFrom(
					"https://app.example.com",
					"null",
					"http://evil.example",
				),
				15,
			),
			"x-forwarded-for": optional(
				fc.constantFrom("1.2.3.4", "::1, 10.0.0.1", "garbage"),
				15,
			),
			"user-agent": optional(naughtyString, 20),
			cookie: optional(fc.constantFrom("session=x", "a=b; c=d"), 40),
		})
		.map((headers) =>
			Object.fromEntries(
				Object.entries(headers)
					.filter(([, v]) => v !== undefined)
					.map(([k, v]) => [k, headerValue(v as string)]),
			),
		);
	return fc.oneof(
		{ arbitrary: fc.constant({}), weight: 1 },
		{ arbitrary: some, weight: 1 },
	);
}
