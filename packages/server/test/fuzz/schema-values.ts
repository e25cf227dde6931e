import fc from "fast-check";
import { NAUGHTY_STRINGS } from "../helpers/naughty-strings.js";
import type { JsonSchema } from "./openapi-operations.js";

/*
 * Values for a JSON Schema of the OpenAPI document: mostly what the schema admits
 * (so that requests get past validation and into the code behind it), now and then
 * the wrong type, a naughty string or an unknown member. Members the fuzzer knows
 * the meaning of (ids, URLs, scopes, rules) get values that name real things.
 */

/** What value generation needs besides the schema. */
export interface ValueContext {
	resolve(schema: JsonSchema): JsonSchema;
	/**
	 * Values for a member by its path in the body (`["fields", "*", "name"]`), where
	 * the fuzzer knows better than the schema; undefined to follow the schema.
	 */
	hint(path: readonly string[]): fc.Arbitrary<unknown> | undefined;
}

/** One of the naughty strings. */
export const naughtyString = fc.constantFrom(...NAUGHTY_STRINGS);

/*
 * Characters beyond ASCII come from custom units: fast-check's built-in "grapheme"
 * and "binary" units build a reverse map of every code point each time a string
 * arbitrary is made (about a second for all of Unicode), which a generator made per
 * operation cannot afford.
 */

/** Any code point: ASCII, the BMP (surrogates excepted) or the astral planes. */
const unicodeChar = fc
	.oneof(
		{ arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 3 },
		{ arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }), weight: 2 },
		{ arbitrary: fc.integer({ min: 0xe000, max: 0xffff }), weight: 1 },
		{ arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }), weight: 1 },
	)
	.map((c) => String.fromCodePoint(c));

/** Any UTF-16 code unit, lone surrogates and controls included. */
const codeUnit = fc
	.integer({ min: 0, max: 0xffff })
	.map((c) => String.fromCharCode(c));

/** Unicode text of a length in code points. */
export function unicodeText(minLength: number, maxLength: number) {
	return fc.string({ unit: unicodeChar, minLength, maxLength });
}

const word = fc.string({
	unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-"),
	minLength: 1,
	maxLength: 10,
});

/** Email addresses (fast-check's own build their arbitraries too slowly to make many). */
export const emailAddress = fc
	.tuple(
		word,
		fc.constantFrom("example.com", "example.org", "b\u00fccher.example"),
	)
	.map(([local, domain]) => `${local}@${domain}`);

/** A UUIDv7, as record ids are. */
export const uuidV7 = fc.uuid({ version: 7 });

/** Any small JSON value. */
export const jsonValue = fc.jsonValue({ maxDepth: 2 });

/** Text of every kind: ASCII, any Unicode, lone surrogates, naughty strings. */
export const anyText = fc.oneof(
	{ arbitrary: fc.string({ maxLength: 16 }), weight: 4 },
	{ arbitrary: unicodeText(0, 12), weight: 2 },
	{ arbitrary: fc.string({ unit: codeUnit, maxLength: 8 }), weight: 1 },
	{ arbitrary: naughtyString, weight: 3 },
);

/** Any JSON value, including ones of the wrong type for any member. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(
		null,
		true,
		false,
		0,
		-1,
		1.5,
		1e308,
		-0,
		"",
		[],
		{},
		[null],
		JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
	),
	naughtyString,
	jsonValue,
	fc.integer().map((n) => [n]),
);

const MAX_ITEMS = 4;

/** A value for `schema`, mostly one it admits. */
export function schemaValue(
	schema: JsonSchema,
	ctx: ValueContext,
	path: readonly string[] = [],
): fc.Arbitrary<unknown> {
	const s = ctx.resolve(schema);
	if (path.length > 6) return fc.constant(null);
	const admitted = ctx.hint(path) ?? admittedValue(s, ctx, path);
	return fc.oneof(
		{ arbitrary: admitted, weight: 12 },
		{ arbitrary: wrongValue, weight: 1 },
	);
}

function admittedValue(
	s: JsonSchema,
	ctx: ValueContext,
	path: readonly string[],
): fc.Arbitrary<unknown> {
	if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
	if ("const" in s) return fc.constant(s.const);
	const alternatives = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
	if (alternatives)
		return fc.oneof(
			...alternatives.map((a) => admittedValue(ctx.resolve(a), ctx, path)),
		);
	const types = [s.type ?? inferType(s)].flat() as string[];
	return fc.oneof(...types.map((type) => ofType(type, s, ctx, path)));
}

function inferType(s: JsonSchema): string {
	if (s.properties || s.additionalProperties) return "object";
	if (s.items) return "array";
	return "any";
}

function ofType(
	type: string,
	s: JsonSchema,
	ctx: ValueContext,
	path: readonly string[],
): fc.Arbitrary<unknown> {
	switch (type) {
		case "string":
			return stringOf(s);
		case "integer":
			return integerOf(s);
		case "number":
			return fc.oneof(
				integerOf(s),
				fc.double({ noNaN: true, noDefaultInfinity: true }),
			);
		case "boolean":
			return fc.boolean();
		case "null":
			return fc.constant(null);
		case "array":
			return fc.array(
				schemaValue((s.items ?? {}) as JsonSchema, ctx, [...path, "*"]),
				{
					minLength: Math.min(Number(s.minItems ?? 0), MAX_ITEMS),
					maxLength: Math.min(Number(s.maxItems ?? MAX_ITEMS), MAX_ITEMS),
				},
			);
		case "object":
			return objectOf(s, ctx, path);
		default:
			return jsonValue;
	}
}

function integerOf(s: JsonSchema): fc.Arbitrary<number> {
	const min = typeof s.minimum === "number" ? s.minimum : -1000;
	const max = typeof s.maximum === "number" ? s.maximum : 1000;
	return fc.oneof(
		{ arbitrary: fc.integer({ min, max: Math.min(max, min + 50) }), weight: 4 },
		{ arbitrary: fc.integer({ min, max }), weight: 1 },
	);
}

/** Strings by format, else of the schema's length (shortened: long ones cost time). */
function stringOf(s: JsonSchema): fc.Arbitrary<string> {
	if (s.format === "email")
		return fc.oneof(emailAddress, fc.constantFrom("ann@example.com"));
	if (s.format === "date-time" || s.format === "date") return isoDate;
	if (s.format === "uri" || s.format === "url") return webUrl;
	if (s.format === "uuid") return uuidV7;
	const minLength = Number(s.minLength ?? 0);
	const maxLength = Math.min(Number(s.maxLength ?? 40), 40);
	return fc.oneof(
		{ arbitrary: fc.string({ minLength, maxLength }), weight: 6 },
		{ arbitrary: unicodeText(minLength, maxLength), weight: 2 },
		{ arbitrary: naughtyString, weight: 2 },
	);
}

/** ISO 8601 instants, with other spellings and impossible dates now and then. */
export const isoDate = fc.oneof(
	{
		arbitrary: fc
			.date({
				min: new Date("1970-01-01T00:00:00Z"),
				max: new Date("2100-01-01T00:00:00Z"),
				noInvalidDate: true,
			})
			.map((d) => d.toISOString()),
		weight: 6,
	},
	{
		arbitrary: fc.constantFrom(
			"2026-01-01",
			"2026-02-31",
			"2026-01-01 10:00",
			"2026-01-01T10:00:00+05:30",
			"0000-01-01T00:00:00Z",
			"9999-12-31T23:59:59.999Z",
			"+275760-09-13T00:00:00Z",
			"yesterday",
		),
		weight: 1,
	},
);

/** http(s) URLs, and ones an SSRF guard must refuse. */
export const webUrl = fc.oneof(
	{
		arbitrary: fc
			.tuple(
				word,
				fc.constantFrom("example.com", "app.example.com", "hooks.example.org"),
				word,
			)
			.map(([sub, host, path]) => `https://${sub}.${host}/${path}`),
		weight: 4,
	},
	{
		arbitrary: fc.constantFrom(
			"https://app.example.com/done",
			"http://127.0.0.1:9/x",
			"http://10.0.0.1/",
			"http://169.254.169.254/latest/meta-data",
			"http://[::1]/",
			"ftp://example.com/",
			"javascript:alert(1)",
			"https://user:pass@example.com/",
			"https://example.com/#frag",
		),
		weight: 1,
	},
);

function objectOf(
	s: JsonSchema,
	ctx: ValueContext,
	path: readonly string[],
): fc.Arbitrary<unknown> {
	const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
	const required = new Set((s.required ?? []) as string[]);
	const names = Object.keys(properties);
	if (names.length === 0 && !s.additionalProperties)
		return fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, {
			maxKeys: 3,
		});
	const members: Record<string, fc.Arbitrary<unknown>> = {};
	for (const name of names) {
		const schema = properties[name] as JsonSchema;
		members[name] = schemaValue(schema, ctx, [...path, name]);
	}
	const known = fc.record(members, {
		requiredKeys: names.filter((n) => required.has(n)),
	});
	const extra = s.additionalProperties;
	if (!extra || extra === true) return known;
	return fc
		.tuple(
			known,
			fc.dictionary(
				fc.string({ minLength: 1, maxLength: 10 }),
				schemaValue(extra as JsonSchema, ctx, [...path, "*"]),
				{ maxKeys: 2 },
			),
		)
		.map(([a, b]) => ({ ...b, ...(a as object) }));
}
